/**
 * The Kodo emulator's public entry: `startEmulator` (tests, bench, the demo and `qjournal emulator` import this file).
 *
 *   state/         the bucket and what it holds, with no request in sight: objects (store.ts, dir-store.ts), the
 *                  bucket's clock and records (bucket.ts), uploads in progress (resumable-blocks.ts,
 *                  upload-sessions.ts), what an upload or an rs operation changes (commit-upload.ts, object-ops.ts),
 *                  listing order, counters, faults, the CDN node's cache; EmulatorState (emulator-state.ts) holds it all
 *   http/          one request's path: server.ts (count, faults, read the body, answer), router.ts (which route, which
 *                  handler), exchange.ts, body-io.ts, auth (credentials, management-auth, upload-token), parsing
 *   http/routes/   one file per API (up, rs/rsf, io, uc, `/_emulator` control): parse, check auth, call state, reply
 *
 * To add a route: name it in state/types.ts (RouteName; counters and faults key on it), recognise it in
 * http/router.ts (classify) and send it to a handler there (dispatch), and write that handler in http/routes/. A change
 * to the bucket goes in a state/ function the handler calls: state never imports http/ or node:http
 * (.dependency-cruiser.cjs, rule emulator-state-is-not-http).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Bucket } from './state/bucket.js';
import { EmulatorState } from './state/emulator-state.js';
import { DirStore } from './state/dir-store.js';
import { createEmulatorServer } from './http/server.js';
import { MemoryStore } from './state/store.js';
import type { Counters, FaultSpec, SeedOptions, StoredObject } from './state/types.js';

export type { Counters, FaultSpec, RouteName, SeedOptions, StoredObject } from './state/types.js';

export interface EmulatorOptions {
  /** 0 = any free port (the default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Persist objects and multipart sessions here; in memory when absent. */
  dataDir?: string;
  /** Default 'demo-bucket'. */
  bucket?: string;
  private?: boolean;
  accessKey?: string;
  secretKey?: string;
  /** The region id the bucket lives in (the region query names it). Default z0. */
  region?: string;
  /** Also listen as another region's up/rs/rsf host (`otherRegionUrl`): uploads there get `incorrect region`. */
  otherRegion?: boolean;
  /**
   * Also listen as a CDN domain bound to the bucket (`cdnUrl`): downloads only, each key's first fetch kept for
   * `staleMs` (default 10 minutes) so an overwrite is not seen until then, like a CDN node before its refresh.
   */
  cdn?: boolean | { staleMs?: number };
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: rs, rsf, up, api, uc and downloads all live on this one port. */
  url: string;
  /** The download domain (same as `url`): the bucket's source domain, `io_src` in the region query's answer. */
  domain: string;
  /** The bucket's region id. */
  region: string;
  /** `http://127.0.0.1:PORT` of another region's hosts (with `otherRegion`), else null. */
  otherRegionUrl: string | null;
  /** `http://127.0.0.1:PORT` of the CDN domain (with `cdn`), else null. */
  cdnUrl: string | null;
  port: number;
  bucket: string;
  accessKey: string;
  secretKey: string;
  private: boolean;
  /** Sets or overwrites objects (new putTime). */
  seed(objects: Record<string, string | Buffer>): void;
  /** Sets or overwrites one object shaped by `opts`: etag v2 over `parts`, an opaque `hash`, no MD5 (see SeedOptions). */
  seedObject(key: string, content: string | Buffer, opts?: SeedOptions): void;
  /** Drops all objects, faults, counters and upload sessions. */
  reset(): void;
  /** A snapshot in key order (UTF-8 byte order). */
  objects(): Map<string, StoredObject>;
  getObject(key: string): Buffer | undefined;
  deleteObject(key: string): void;
  /** Keeps hash and putTime, like a server-side move. */
  renameObject(from: string, to: string): void;
  /** Flips bytes of the served body but keeps the listed hash and fsize. */
  corruptObject(key: string): void;
  counters(): Counters;
  resetCounters(): void;
  addFault(f: FaultSpec): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const DEFAULT_ACCESS_KEY = 'qjournal-emulator-access-key';
const DEFAULT_SECRET_KEY = 'qjournal-emulator-secret-key';

/** Starts a Kodo emulator serving one bucket (shared/qiniu-protocol.md §10). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const bucketName = opts.bucket ?? 'demo-bucket';
  const credentials = { accessKey: opts.accessKey ?? DEFAULT_ACCESS_KEY, secretKey: opts.secretKey ?? DEFAULT_SECRET_KEY };
  const store = opts.dataDir ? new DirStore(opts.dataDir) : new MemoryStore();
  const region = opts.region ?? 'z0';
  const bucket = new Bucket(bucketName, credentials, Boolean(opts.private), store, region);
  const cdnStaleMs = typeof opts.cdn === 'object' ? opts.cdn.staleMs : undefined;
  const core = new EmulatorState(bucket, opts.dataDir ? path.join(opts.dataDir, 'uploads') : undefined, cdnStaleMs);

  let hostPort = '';
  const home = await listen(createEmulatorServer(core, () => hostPort), opts.port ?? 0, host);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const port = home.port;
  hostPort = `${urlHost}:${port}`;
  const url = `http://${hostPort}`;
  const servers = [home.server];
  const extra = async (role: 'other-region' | 'cdn'): Promise<string> => {
    const { server, port: p } = await listen(createEmulatorServer(core, () => hostPort, role), 0, host);
    servers.push(server);
    return `http://${urlHost}:${p}`;
  };
  const otherRegionUrl = opts.otherRegion ? await extra('other-region') : null;
  const cdnUrl = opts.cdn ? await extra('cdn') : null;

  let closing: Promise<void> | undefined;
  return {
    url,
    domain: url,
    region,
    otherRegionUrl,
    cdnUrl,
    port,
    bucket: bucketName,
    accessKey: credentials.accessKey,
    secretKey: credentials.secretKey,
    private: Boolean(opts.private),
    seed: (objects) => core.seed(objects),
    seedObject: (key, content, seedOpts) => core.seedObject(key, content, seedOpts),
    reset: () => core.reset(),
    objects: () => core.objects(),
    getObject: (key) => core.getObject(key),
    deleteObject: (key) => core.deleteObject(key),
    renameObject: (from, to) => core.renameObject(from, to),
    corruptObject: (key) => core.corruptObject(key),
    counters: () => core.counters.snapshot(),
    resetCounters: () => core.counters.reset(),
    addFault: (f) => core.faults.add(f),
    clearFaults: () => core.faults.clear(),
    close: () =>
      (closing ??= Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => store.close())),
  };
}

function listen(server: Server, port: number, host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/** The config.ini lines that point qjournal at this emulator. */
export function configSnippet(emu: Emulator): string {
  return [
    '[bucket]',
    `name = ${emu.bucket}`,
    `domain = ${emu.domain}`,
    `private = ${emu.private}`,
    '',
    '[endpoints]',
    ...(['rs', 'rsf', 'up', 'api', 'uc'] as const).map((service) => `${service} = ${emu.url}`),
    '',
  ].join('\n');
}
