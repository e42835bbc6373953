import { invalidArgument } from './kodo-error.js';

/** Object keys are at most 750 UTF-8 bytes. */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key) > 750) throw invalidArgument('key too long');
}
