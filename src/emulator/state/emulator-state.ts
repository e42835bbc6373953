import { Bucket } from './bucket.js';
import { CdnNode } from './cdn-node.js';
import { CounterBook } from './counters.js';
import { FaultBook } from './faults.js';
import { BlockUploads } from './resumable-blocks.js';
import { UploadSessions } from './upload-sessions.js';
import { etagV2 } from '../../core/qetag.js';
import type { ObjectRecord, SeedOptions, StoredObject } from './types.js';

/** Everything one emulator holds, and the test-facing operations on it (the server and the control API share them). */
export class EmulatorState {
  readonly counters = new CounterBook();
  readonly faults = new FaultBook();
  /** Resumable v1 blocks in progress. */
  readonly v1 = new BlockUploads();
  /** Resumable v2 (multipart) sessions, kept in `uploadsDir` when given. */
  readonly v2: UploadSessions;
  /** What the emulated CDN domain holds (only used when that listener runs). */
  readonly cdn: CdnNode;

  constructor(
    readonly bucket: Bucket,
    uploadsDir?: string,
    cdnStaleMs?: number,
  ) {
    this.cdn = new CdnNode(cdnStaleMs);
    this.v2 = new UploadSessions(uploadsDir);
  }

  seed(objects: Record<string, string | Buffer>): void {
    const records: ObjectRecord[] = [];
    for (const [key, content] of Object.entries(objects)) {
      records.push(this.bucket.newRecord(key, Buffer.isBuffer(content) ? Buffer.from(content) : Buffer.from(content, 'utf8')));
    }
    this.bucket.store.putMany(records);
  }

  /**
   * One object as other upload paths leave it: `parts` gives it the etag v2 of a multipart upload with those part
   * sizes (listed with `needparts=true`); `hash` an arbitrary hash (an opaque one, as Kodo's S3 API may leave);
   * `md5: false` leaves the MD5 out of listings and stat (Kodo guarantees it only for form uploads).
   */
  seedObject(key: string, content: string | Buffer, opts: SeedOptions = {}): void {
    const data = Buffer.isBuffer(content) ? Buffer.from(content) : Buffer.from(content, 'utf8');
    if (opts.parts && opts.parts.reduce((a, b) => a + b, 0) !== data.length) throw new RangeError(`seedObject ${key}: parts do not add up to ${data.length} bytes`);
    const hash = opts.hash ?? (opts.parts ? etagV2(data, opts.parts) : undefined);
    const record = this.bucket.newRecord(key, data, { hash, parts: opts.parts });
    if (opts.md5 === false) record.md5 = '';
    this.bucket.store.put(record);
  }

  reset(): void {
    this.bucket.store.clear();
    this.faults.clear();
    this.counters.reset();
    this.cdn.clear();
    this.v1.clear();
    this.v2.clear();
  }

  objects(): Map<string, StoredObject> {
    const store = this.bucket.store;
    return new Map(store.sortedKeys().map((key) => [key, store.get(key)!]));
  }

  getObject(key: string): Buffer | undefined {
    return this.bucket.store.get(key)?.data;
  }

  deleteObject(key: string): void {
    this.bucket.store.delete(key);
  }

  /** A server-side move: hash, putTime and everything else stay. */
  renameObject(from: string, to: string): void {
    const record = this.bucket.store.get(from);
    if (!record) throw new Error(`renameObject: no object ${JSON.stringify(from)}`);
    if (from === to) return;
    this.bucket.store.put({ ...record, key: to });
    this.bucket.store.delete(from);
  }

  /** Serves different bytes under the same listed hash and size (a client's qetag check must catch it). */
  corruptObject(key: string): void {
    const record = this.bucket.store.get(key);
    if (!record) throw new Error(`corruptObject: no object ${JSON.stringify(key)}`);
    const data = Buffer.from(record.data);
    if (data.length === 0) return;
    for (let i = 0; i < data.length; i += Math.max(1, Math.floor(data.length / 16))) data[i] ^= 0xff;
    this.bucket.store.put({ ...record, data });
  }
}
