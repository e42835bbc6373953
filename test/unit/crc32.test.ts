import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/core/crc32.js';

describe('crc32 (the JavaScript one: the emulator and the fallback of form uploads)', () => {
  it('gives the IEEE check value and agrees with zlib on any bytes', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    for (const size of [1, 255, 4096, 65_537]) {
      const bytes = randomBytes(size);
      expect(crc32(bytes)).toBe(native ? native(bytes) >>> 0 : crc32(bytes));
    }
  });
});
