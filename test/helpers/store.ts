import type { Emulator } from '../../src/emulator/index.js';
import { hostsFromEndpoints } from '../../src/remote/kodo-hosts.js';
import { QiniuStore } from '../../src/remote/qiniu-store.js';

/** The sync engine's RemoteStore (the real `qiniu` SDK underneath) on the emulator's public bucket, no prefix. */
export function storeFor(emu: Emulator): QiniuStore {
  const endpoints = { rs: emu.url, rsf: emu.url, up: emu.url, api: emu.url, uc: emu.url };
  return new QiniuStore({ name: emu.bucket, domain: emu.domain, private: false, prefix: '' }, hostsFromEndpoints(endpoints, null), {
    accessKey: emu.accessKey,
    secretKey: emu.secretKey,
  });
}
