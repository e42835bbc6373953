import type { Readable } from 'node:stream';
import type { RemoteObject } from '../core/types.js';
import type { RemoteError } from '../errors.js';
import type { UploadSessionStore } from './multipart-upload.js';

/** The outcome of one operation of a batch (`data`: what a stat answered). */
export type BatchOutcome = { ok: true; data?: unknown } | { ok: false; error: RemoteError };

/**
 * An upload the server accepted: the bytes were the planned ones and, when the answer carries a hash, it is theirs.
 * Not yet an observed object: the answer has no putTime (see `confirmStored`).
 */
export interface StoredObject {
  key: string;
  answeredHash: string | undefined;
}

/** The narrow view of Kodo the sync engine needs. Every method checks the HTTP status and throws RemoteError. */
export interface RemoteStore {
  /** Fails with RemoteError('auth' | 'network' | 'no-bucket') when the bucket cannot be read with these keys. */
  checkAccess(): Promise<void>;
  /** Every object under `prefix`, paged by marker until the marker is empty. */
  list(prefix: string): AsyncIterable<RemoteObject>;
  /** `list` a page at a time, in Kodo's order (UTF-8 bytes of the key); the next page is fetched meanwhile. */
  listPages(prefix: string): AsyncIterable<RemoteObject[]>;
  /** null when the key does not exist. */
  stat(key: string): Promise<RemoteObject | null>;
  /**
   * The (signed, for private buckets) download URL of `key`, with the key percent-encoded by us: through `[bucket]
   * domain` when set, else (or with `fromOrigin`) the bucket's source domain.
   */
  downloadUrl(key: string, fromOrigin?: boolean): string;
  /**
   * When downloads go through a domain other than the origin (a CDN): both, since a download that fails verification
   * there is worth one more try from the origin (sync/download-from.ts). null: downloads come from the origin.
   */
  readonly cdnAndOrigin: { cdn: string; origin: string } | null;
  /**
   * GET the object, optionally from byte `start` (Range), from the download domain or, with `fromOrigin`, the
   * bucket's source domain. `etag`: the hash the response says it carries (quotes and a CDN's `.gz` suffix removed),
   * when it sent one; `servedBy`: the base (scheme://host) that answered.
   */
  openDownload(key: string, start?: number, fromOrigin?: boolean): Promise<{ body: Readable; status: number; length: number; etag?: string; servedBy?: string }>;
  /**
   * Upload a local file and stat it: the object as the server now shows it. `insertOnly`: RemoteError 'exists' when
   * the key is taken (Kodo's 614). Otherwise overwrite.
   */
  upload(localPath: string, key: string, opts: UploadOptions): Promise<RemoteObject>;
  /** `upload` without the stat: confirm later, many at once (`statMany`, then `confirmStored`). */
  put(localPath: string, key: string, opts: UploadOptions): Promise<StoredObject>;
  /** Stats in batches (one request per 1,000 keys), in order; null for a key that does not exist. */
  statMany(keys: readonly string[]): Promise<(RemoteObject | null)[]>;
  /**
   * Server-side moves, never over an existing key, sent in batches (one request per 1,000). One outcome per move, in
   * order: a 614 is RemoteError('exists'), a missing source 'not-found'. Throws only when a whole batch fails.
   */
  moveMany(moves: readonly { from: string; to: string }[]): Promise<BatchOutcome[]>;
  /** Server-side copies (no transfer), never over an existing key; batched and reported like moveMany. */
  copyMany(copies: readonly { from: string; to: string }[]): Promise<BatchOutcome[]>;
  /** Deletes, batched; a missing key is RemoteError('not-found'). Used only for the bucket's trash (prune). */
  deleteMany(keys: readonly string[]): Promise<BatchOutcome[]>;
}

/**
 * Files up to this size go up in one form upload, sent from one snapshot read whole into memory and hashed (refused
 * with LocalChangedError if the file moved while it was read); larger ones as v2 multipart with 4 MiB parts. Without
 * `expectHash` such a file still sends exactly one version of itself: what lets the plan leave it unhashed.
 */
export const FORM_UPLOAD_LIMIT = 8 << 20;

export interface UploadOptions {
  insertOnly: boolean;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Where a multipart upload keeps its id and finished parts (the journal), so a later run resumes it. */
  sessions?: UploadSessionStore;
  /**
   * The file's qetag when it was planned: only those bytes may become the object. Bytes read otherwise (the file
   * changed meanwhile) fail with LocalChangedError before anything is committed. May be absent only for a file up to
   * FORM_UPLOAD_LIMIT (core/hash-at-upload.ts), and then `expectStat` says which version may be sent.
   */
  expectHash?: string;
  /** The file's size and mtime when it was planned: a small file read with other ones fails with LocalChangedError. */
  expectStat?: { size: number; mtimeMs: number };
}
