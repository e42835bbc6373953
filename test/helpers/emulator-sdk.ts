import http from 'node:http';
import qiniu from 'qiniu';
import type { Emulator } from '../../src/emulator/index.js';

/** What every SDK call resolves to (it never rejects on an HTTP status: check `resp.statusCode`). */
export interface SdkResult {
  data: any;
  resp: { statusCode: number; headers: Record<string, string | string[] | undefined> };
}

export interface EmulatorSdk {
  mac: qiniu.auth.digest.Mac;
  config: qiniu.conf.Config;
  bucketManager: qiniu.rs.BucketManager;
  formUploader: qiniu.form_up.FormUploader;
  resumeUploader: qiniu.resume_up.ResumeUploader;
  /** An upload token for the emulator's bucket (`scope` defaults to the bare bucket). */
  uploadToken(policy?: Record<string, unknown>): string;
}

/**
 * The real `qiniu` SDK pointed only at the emulator (shared/qiniu-protocol.md §8.2): a static region whose every
 * service is `127.0.0.1:PORT`, plain http, and static uc/query providers so nothing ever leaves the machine.
 */
export function sdkFor(emu: Emulator, keys: { accessKey?: string; secretKey?: string } = {}): EmulatorSdk {
  const host = new URL(emu.url).host;
  const ep = () => new qiniu.httpc.Endpoint(host, { defaultScheme: 'http' });
  const region = new qiniu.httpc.Region({
    regionId: 'emulator',
    services: { up: [ep()], up_acc: [], io: [ep()], rs: [ep()], rsf: [ep()], api: [ep()], uc: [ep()] },
  } as never);
  const config = new qiniu.conf.Config({
    useHttpsDomain: false,
    regionsProvider: region,
    ucEndpointsProvider: new qiniu.httpc.StaticEndpointsProvider([ep()]),
    queryRegionsEndpointsProvider: new qiniu.httpc.StaticEndpointsProvider([ep()]),
  } as never);
  const mac = new qiniu.auth.digest.Mac(keys.accessKey ?? emu.accessKey, keys.secretKey ?? emu.secretKey);
  return {
    mac,
    config,
    bucketManager: new qiniu.rs.BucketManager(mac, config),
    formUploader: new qiniu.form_up.FormUploader(config),
    resumeUploader: new qiniu.resume_up.ResumeUploader(config),
    uploadToken: (policy = {}) => new qiniu.rs.PutPolicy({ scope: emu.bucket, ...policy } as never).uploadToken(mac),
  };
}

/** Narrows the SDK's loosely typed promise. */
export const call = (p: Promise<unknown>): Promise<SdkResult> => p as Promise<SdkResult>;

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request through node:http with the path sent exactly as given (no dot-segment normalisation). */
export function rawRequest(emu: Emulator, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<RawResponse> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Deterministic pseudo-random bytes (so a failing hash comparison is reproducible). */
export function pseudoRandom(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
