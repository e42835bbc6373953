import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { hostsFromEndpoints } from '../../src/remote/kodo-hosts.js';
import { QiniuStore } from '../../src/remote/qiniu-store.js';
import { standIn, useEmulator } from './emulator.js';

/**
 * The sync engine's RemoteStore (the real `qiniu` SDK underneath) on the emulator's public bucket, no prefix; with
 * another `secretKey` for a store whose requests the emulator refuses.
 */
export function storeFor(emu: Emulator, secretKey = emu.secretKey): QiniuStore {
  const endpoints = { rs: emu.url, rsf: emu.url, up: emu.url, api: emu.url, uc: emu.url };
  return new QiniuStore({ name: emu.bucket, domain: emu.domain, private: false, prefix: '' }, hostsFromEndpoints(endpoints, null), {
    accessKey: emu.accessKey,
    secretKey,
  });
}

/** `useEmulator`, and a `storeFor` it for the same tests (closed after them). */
export function useEmulatorStore(): { emu: Emulator; store: QiniuStore } {
  const emu = useEmulator();
  let running: QiniuStore | undefined;
  beforeAll(() => {
    running = storeFor(emu);
  });
  afterAll(() => running?.close());
  return { emu, store: standIn(() => running, 'the store') };
}
