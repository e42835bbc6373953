import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import qiniu from 'qiniu';
import type { KodoBucket, KodoCredentials, KodoHosts } from './kodo-account.js';
import type { RemoteObject } from '../core/types.js';
import { RemoteError } from '../errors.js';
import { readSnapshot } from '../local/read-snapshot.js';
import { remoteErrorFromStatus, remoteErrorFromThrown, uploadSucceeded } from './classify.js';
import { createPacer, type Pacer } from './bandwidth.js';
import { hashKind } from '../core/hash-kind.js';
import { encodeKeyForUrl } from './download-url.js';
import { formUpload } from './form-upload.js';
import { multipartUpload } from './multipart-upload.js';
import { withRetry } from './retry.js';
import { confirmStored } from './confirm-stored.js';
import { FORM_UPLOAD_LIMIT, type BatchOutcome, type RemoteStore, type StoredObject } from './remote-store.js';

export interface QiniuStoreOptions {
  /** Parts of one big file in flight at once. */
  partConcurrency?: number;
  /** `[sync] bwlimit`: bytes per second, applied to uploads and to downloads separately. */
  bwlimit?: number;
}

/**
 * Time limits (README "Retries and time limits"). Management calls: connect within 5 s, the whole answer within 10 s
 * (a listing page of 1,000 keys is ~200 KB); a batch of 1,000 moves gets 30 s. Downloads: the first byte within 15 s,
 * then no gap over 30 s. Each call's retries together are bounded too (retry.ts).
 */
const MANAGEMENT_TIMEOUT_MS: [number, number] = [5_000, 10_000];
const BATCH_TIMEOUT_MS: [number, number] = [5_000, 30_000];
const DOWNLOAD_FIRST_BYTE_TIMEOUT_MS = 15_000;
const DOWNLOAD_IDLE_TIMEOUT_MS = 30_000;
const TOKEN_LIFETIME_S = 7 * 24 * 3600;
const INSERT_ONLY_TOKEN_REUSE_MS = 3600_000;
const LIST_PAGE = 1000;
/** Kodo's limit of operations in one /batch request. */
const BATCH_LIMIT = 1000;

type SdkResponse = { data: any; resp: { statusCode: number } };
/** The private parts of the SDK's HttpClient we set (see shared/qiniu-protocol.md, "Timeouts"). */
type SdkHttpClient = {
  timeout: number | [number, number];
  middlewares: { send(req: { url: string; urllibOptions: Record<string, unknown> }, next: (req: unknown) => Promise<unknown>): Promise<unknown> }[];
};

/**
 * An SDK middleware that sends list pages over one kept-alive connection. The SDK's HttpClient never hands its agent
 * to urllib, whose default agent opens a new connection per request: for a listing that is one TCP (and, against
 * Kodo, TLS) handshake per 1,000 keys, and per uploaded file for the `/stat` that follows each upload. Only `/list` and
 * `/stat`: idempotent reads (a stale socket is retried like any network error), while a batch move or delete on a
 * reused socket that the server just closed is not safe to resend.
 */
function keepAliveListing(): SdkHttpClient['middlewares'][number] {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  return {
    send(req, next) {
      const pathname = new URL(req.url).pathname;
      if (pathname === '/list' || pathname.startsWith('/stat/')) Object.assign(req.urllibOptions, { agent, httpsAgent });
      if (pathname === '/batch') req.urllibOptions.timeout = BATCH_TIMEOUT_MS;
      return next(req);
    },
  };
}

/**
 * An SDK middleware that asks `/list` and `/stat` for `needparts=true`, so etag-v2 objects come with their part sizes
 * (what their hash is computed over) without a stat per object. The SDK has no option for it; this must run before the
 * signing middleware, since the signature covers the query.
 */
function needParts(): SdkHttpClient['middlewares'][number] {
  return {
    send(req, next) {
      const { pathname, search } = new URL(req.url);
      if ((pathname === '/list' || pathname.startsWith('/stat/')) && !/[?&]needparts=/.test(search)) {
        req.url += search ? '&needparts=true' : '?needparts=true';
      }
      return next(req);
    },
  };
}

/** A RemoteStore on the official `qiniu` SDK. Every response's status code is checked: the SDK resolves on errors. */
export class QiniuStore implements RemoteStore {
  private readonly mac: qiniu.auth.digest.Mac;
  private readonly bucketManager: qiniu.rs.BucketManager;
  /** One kept-alive agent per download base (the CDN domain, the origin). */
  private readonly downloadAgents = new Map<string, http.Agent>();
  private readonly upAgent: http.Agent;
  private readonly upBase: string;
  private readonly paceDown: Pacer | undefined;
  private readonly paceUp: Pacer | undefined;
  private insertOnlyToken: { token: string; madeAt: number } | null = null;

  constructor(
    private readonly bucket: KodoBucket,
    readonly hosts: KodoHosts,
    credentials: KodoCredentials,
    private readonly options: QiniuStoreOptions = {},
  ) {
    if (bucket.domain === null && hosts.origin === null) throw new Error('QiniuStore: no download domain and no origin');
    this.mac = new qiniu.auth.digest.Mac(credentials.accessKey, credentials.secretKey);
    const sdkConfig = sdkConfigFor(hosts);
    this.bucketManager = new qiniu.rs.BucketManager(this.mac, sdkConfig);
    const client = (this.bucketManager as unknown as { _httpClient: SdkHttpClient })._httpClient;
    client.timeout = MANAGEMENT_TIMEOUT_MS;
    client.middlewares.push(keepAliveListing());
    client.middlewares.unshift(needParts());
    this.upBase = `${hosts.scheme}://${hosts.up[0]}`;
    this.upAgent = agentFor(this.upBase);
    this.paceDown = createPacer(options.bwlimit ?? 0);
    this.paceUp = createPacer(options.bwlimit ?? 0);
  }

  async checkAccess(): Promise<void> {
    // Network errors and 5xx are retried; wrong keys (401/403) fail at once.
    await withRetry(async () => {
      const res = await this.call('list', () => this.bucketManager.listPrefix(this.bucket.name, { limit: 1, prefix: this.bucket.prefix }));
      this.expectOk('list', res);
    });
  }

  async *list(prefix: string): AsyncIterable<RemoteObject> {
    for await (const page of this.listPages(prefix)) yield* page;
  }

  async *listPages(prefix: string): AsyncIterable<RemoteObject[]> {
    // A page is an idempotent request by marker: one failed page is retried, it does not end the listing.
    const fetchPage = (marker: string) =>
      withRetry(async () => {
        const page = await this.call('list', () => this.bucketManager.listPrefix(this.bucket.name, { prefix, marker, limit: LIST_PAGE }));
        this.expectOk('list', page);
        return page;
      });
    let pending: ReturnType<typeof fetchPage> | null = fetchPage('');
    while (pending !== null) {
      const res: Awaited<ReturnType<typeof fetchPage>> = await pending;
      const marker = res.data?.marker ?? '';
      // The next page is asked for before this one is handed out, so the caller's work on it overlaps the round trip.
      // (Its failure is thrown when awaited; the catch only keeps an abandoned listing from an unhandled rejection.)
      pending = marker ? fetchPage(marker) : null;
      pending?.catch(() => {});
      yield (res.data?.items ?? []).map(toRemoteObject);
    }
  }

  async stat(key: string): Promise<RemoteObject | null> {
    const res = await this.call(`stat ${key}`, () => this.bucketManager.stat(this.bucket.name, key));
    if (res.resp.statusCode === 612) return null;
    this.expectOk(`stat ${key}`, res);
    return toRemoteObject({ ...res.data, key });
  }

  get cdnAndOrigin(): { cdn: string; origin: string } | null {
    const { domain } = this.bucket;
    const { origin } = this.hosts;
    return domain !== null && origin !== null && domain !== origin ? { cdn: domain, origin } : null;
  }

  /** `[bucket] domain` when set (a CDN), else the origin; `fromOrigin` forces the origin when it is known. */
  private downloadBase(fromOrigin: boolean): string {
    return (fromOrigin ? (this.hosts.origin ?? this.bucket.domain) : (this.bucket.domain ?? this.hosts.origin))!;
  }

  downloadUrl(key: string, fromOrigin = false): string {
    const base = `${this.downloadBase(fromOrigin)}/${encodeKeyForUrl(key)}`;
    if (!this.bucket.private) return base;
    const deadline = Math.floor(Date.now() / 1000) + 3600;
    const url = `${base}?e=${deadline}`;
    const sign = qiniu.util.hmacSha1(url, this.mac.secretKey);
    return `${url}&token=${this.mac.accessKey}:${qiniu.util.base64ToUrlSafe(sign)}`;
  }

  openDownload(key: string, start?: number, fromOrigin = false): ReturnType<RemoteStore['openDownload']> {
    const signed = this.downloadUrl(key, fromOrigin);
    const url = new URL(signed);
    const operation = `download ${key}`;
    // node:http sends the path exactly as given: WHATWG URL handling would drop `.`/`..` segments of odd keys.
    const rawPath = signed.slice(url.origin.length);
    let agent = this.downloadAgents.get(url.origin);
    if (!agent) this.downloadAgents.set(url.origin, (agent = agentFor(url.origin)));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        {
          host: url.hostname,
          port: url.port || undefined,
          path: rawPath,
          method: 'GET',
          agent,
          headers: start ? { Range: `bytes=${start}-` } : {},
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200 && status !== 206) {
            res.resume();
            reject(remoteErrorFromStatus(operation, status, undefined));
            return;
          }
          // The consumer attaches its pipeline a little later; until then an error only marks `errored` (which the
          // pipeline reports) instead of being thrown with no listener.
          res.on('error', () => {});
          // From here the body's own idle limit applies, not the first-byte one.
          req.removeAllListeners('timeout');
          res.setTimeout(DOWNLOAD_IDLE_TIMEOUT_MS, () => res.destroy(new Error(`download stalled: no byte for ${DOWNLOAD_IDLE_TIMEOUT_MS / 1000} s`)));
          const body = this.paceDown ? res.pipe(pacedStream(this.paceDown)) : res;
          if (body !== res) res.once('error', (err) => body.destroy(err));
          const etag = etagOf(res.headers.etag);
          resolve({ body, status, length: Number(res.headers['content-length'] ?? -1), etag, servedBy: url.origin });
        },
      );
      req.setTimeout(DOWNLOAD_FIRST_BYTE_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${DOWNLOAD_FIRST_BYTE_TIMEOUT_MS / 1000} s`)));
      req.on('error', (err) => reject(remoteErrorFromThrown(operation, err)));
      req.end();
    });
  }

  async upload(localPath: string, key: string, opts: Parameters<RemoteStore['upload']>[2]): Promise<RemoteObject> {
    const stored = await this.put(localPath, key, opts);
    return confirmStored(stored, await this.stat(key));
  }

  async put(localPath: string, key: string, opts: Parameters<RemoteStore['put']>[2]): Promise<StoredObject> {
    const operation = `upload ${key}`;
    const token = this.uploadToken(key, opts.insertOnly);
    const fname = path.basename(localPath);
    // A small file is sent from one snapshot in memory, never streamed from a file that may be changing.
    const snapshot = readSnapshot(localPath, key, { maxBytes: FORM_UPLOAD_LIMIT, expectHash: opts.expectHash, expectStat: opts.expectStat });
    if (snapshot) {
      if (this.paceUp) await this.paceUp(snapshot.bytes.length);
      const res = await formUpload({ upBase: this.upBase, token, key, fname, bytes: snapshot.bytes, agent: this.upAgent, operation });
      if (!uploadSucceeded(res.status)) throw remoteErrorFromStatus(operation, res.status, res.data);
      opts.onProgress?.(snapshot.bytes.length, snapshot.bytes.length);
      const answeredHash: unknown = res.data?.hash;
      if (answeredHash !== undefined && answeredHash !== snapshot.hash) {
        throw new RemoteError('integrity', operation, `the server stored hash ${String(answeredHash)} for bytes whose qetag is ${snapshot.hash}`);
      }
      return { key, answeredHash: typeof answeredHash === 'string' ? answeredHash : undefined };
    }
    const answer = await multipartUpload({
      upBase: this.upBase,
      bucket: this.bucket.name,
      key,
      localPath,
      token,
      sessions: opts.sessions,
      partConcurrency: this.options.partConcurrency ?? 4,
      agent: this.upAgent,
      onProgress: opts.onProgress,
      pace: this.paceUp,
      expectHash: opts.expectHash,
    });
    return { key, answeredHash: typeof answer.hash === 'string' ? answer.hash : undefined };
  }

  async statMany(keys: readonly string[]): Promise<(RemoteObject | null)[]> {
    const ops = keys.map((key) => ({ op: qiniu.rs.statOp(this.bucket.name, key), operation: `stat ${key}` }));
    const outcomes = await this.batch(ops, 'stat');
    return outcomes.map((outcome, i) => {
      if (outcome.ok) return toRemoteObject({ ...(outcome.data as ListedItem), key: keys[i] });
      if (outcome.error.kind === 'not-found') return null;
      throw outcome.error;
    });
  }

  /**
   * An insert-only token names only the bucket, so one serves every new key for an hour (it is valid for a week); an
   * overwrite token is scoped to its key.
   */
  private uploadToken(key: string, insertOnly: boolean): string {
    if (insertOnly && this.insertOnlyToken && Date.now() - this.insertOnlyToken.madeAt < INSERT_ONLY_TOKEN_REUSE_MS) return this.insertOnlyToken.token;
    const token = new qiniu.rs.PutPolicy({
      scope: insertOnly ? this.bucket.name : `${this.bucket.name}:${key}`,
      ...(insertOnly ? { insertOnly: 1 } : {}),
      expires: TOKEN_LIFETIME_S,
      returnBody: '{"key":"$(key)","hash":"$(etag)","fsize":$(fsize),"mimeType":"$(mimeType)"}',
    }).uploadToken(this.mac);
    if (insertOnly) this.insertOnlyToken = { token, madeAt: Date.now() };
    return token;
  }

  moveMany(moves: readonly { from: string; to: string }[]): Promise<BatchOutcome[]> {
    const ops = moves.map((m) => ({
      op: qiniu.rs.moveOp(this.bucket.name, m.from, this.bucket.name, m.to, { force: false }),
      operation: `move ${m.from} -> ${m.to}`,
    }));
    return this.batch(ops, 'move');
  }

  copyMany(copies: readonly { from: string; to: string }[]): Promise<BatchOutcome[]> {
    const ops = copies.map((m) => ({
      op: qiniu.rs.copyOp(this.bucket.name, m.from, this.bucket.name, m.to, { force: false }),
      operation: `copy ${m.from} -> ${m.to}`,
    }));
    return this.batch(ops, 'copy');
  }

  deleteMany(keys: readonly string[]): Promise<BatchOutcome[]> {
    const ops = keys.map((key) => ({ op: qiniu.rs.deleteOp(this.bucket.name, key), operation: `delete ${key}` }));
    return this.batch(ops, 'delete');
  }

  /** Kodo /batch, at most BATCH_LIMIT operations a request, each request retried as a whole; one outcome per op. */
  private async batch(ops: readonly { op: string; operation: string }[], verb: string): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = [];
    for (let i = 0; i < ops.length; i += BATCH_LIMIT) {
      const chunk = ops.slice(i, i + BATCH_LIMIT);
      const operation = `batch of ${chunk.length} ${verb}(s)`;
      // A batch whose answer was lost may have been applied: a retry then sees 612 for those (callers check).
      const res = await withRetry(async () => {
        const answer = await this.call(operation, () => this.bucketManager.batch(chunk.map((c) => c.op)));
        if (answer.resp.statusCode !== 200 && answer.resp.statusCode !== 298) throw remoteErrorFromStatus(operation, answer.resp.statusCode, answer.data);
        return answer;
      });
      chunk.forEach((c, j) => {
        const result = (res.data as { code?: number; data?: unknown }[] | null)?.[j];
        if (result?.code === 200) outcomes.push({ ok: true, data: result.data });
        else outcomes.push({ ok: false, error: remoteErrorFromStatus(c.operation, result?.code ?? 0, result?.data) });
      });
    }
    return outcomes;
  }

  close(): void {
    for (const agent of this.downloadAgents.values()) agent.destroy();
    this.upAgent.destroy();
  }

  private async call(operation: string, fn: () => Promise<unknown>): Promise<SdkResponse> {
    try {
      return (await fn()) as SdkResponse;
    } catch (err) {
      throw remoteErrorFromThrown(operation, err);
    }
  }

  private expectOk(operation: string, res: SdkResponse): void {
    const status = res.resp?.statusCode ?? 0;
    if (status !== 200) throw remoteErrorFromStatus(operation, status, res.data);
  }
}

/** `"<hash>"`, `W/"<hash>"` or a CDN's `"<hash>.gz"` → the hash; undefined when absent or empty. */
export function etagOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const hash = header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1').replace(/\.gz$/, '');
  return hash === '' ? undefined : hash;
}

function pacedStream(pace: Pacer): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      pace(chunk.length).then(() => cb(null, chunk), cb);
    },
  });
}

type ListedItem = { key: string; hash: string; fsize: number; putTime: number; mimeType?: string; parts?: unknown; md5?: unknown };

function toRemoteObject(item: ListedItem): RemoteObject {
  const object: RemoteObject = { key: item.key, hash: item.hash, fsize: Number(item.fsize), putTime: Number(item.putTime), mimeType: item.mimeType };
  // Only what checking a non-qetag hash needs: nothing more is held per listed object for the common `F`/`l` hashes.
  const first = item.hash.charCodeAt(0);
  if (first !== 0x46 /* F */ && first !== 0x6c /* l */) {
    if (Array.isArray(item.parts) && item.parts.every((n) => Number.isSafeInteger(n) && n >= 0)) object.parts = item.parts as number[];
    if (typeof item.md5 === 'string' && /^[0-9a-f]{32}$/i.test(item.md5) && hashKind(item.hash) === 'opaque') object.md5 = item.md5;
  }
  return object;
}

function agentFor(url: string): http.Agent {
  return url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
}

/** A static SDK region built from the resolved hosts: the SDK never sends its own `/v4/query` (shared/qiniu-protocol.md §8.3). */
function sdkConfigFor(hosts: KodoHosts): qiniu.conf.Config {
  const ep = (host: string) => new qiniu.httpc.Endpoint(host, { defaultScheme: hosts.scheme });
  const eps = (list: string[]) => list.map(ep);
  const sdkRegion = new qiniu.httpc.Region({
    regionId: hosts.regionId,
    services: {
      up: eps(hosts.up),
      up_acc: [],
      io: eps(hosts.rs),
      rs: eps(hosts.rs),
      rsf: eps(hosts.rsf),
      api: eps(hosts.api),
      uc: eps(hosts.uc),
    },
  } as never);
  return new qiniu.conf.Config({
    useHttpsDomain: hosts.scheme === 'https',
    regionsProvider: sdkRegion,
    ucEndpointsProvider: new qiniu.httpc.StaticEndpointsProvider(eps(hosts.uc)),
    queryRegionsEndpointsProvider: new qiniu.httpc.StaticEndpointsProvider(eps(hosts.uc)),
  } as never);
}
