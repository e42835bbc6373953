import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

/**
 * One emulator (on port 0) for the tests of the calling file or describe block: started before them, closed after.
 * The returned object stands for it (every property and method goes to the running emulator), so tests write
 * `emu.url`, `emu.seed(...)` as with the emulator itself.
 */
export function useEmulator(options: Omit<EmulatorOptions, 'port'> = {}): Emulator {
  let running: Emulator | undefined;
  beforeAll(async () => {
    running = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await running?.close();
  });
  return standIn(() => running, 'the emulator');
}

/** An object that stands for what `current` returns once a beforeAll has made it (`what` names it in the error). */
export function standIn<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const running = current();
      if (!running) throw new Error(`${what} is used before its beforeAll started it`);
      const value = Reflect.get(running, prop, running);
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}
