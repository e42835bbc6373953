import type { Bucket } from './bucket.js';
import { fileExists, invalidArgument, noSuchFile } from './kodo-error.js';
import type { ObjectRecord } from './types.js';

/*
 * The rs operations' changes to the bucket, on decoded keys and values (http/rs-ops.ts parses the op paths and
 * calls these). Each throws Kodo's error answer: 612 for a missing object, 614 for an existing target.
 */

/** The object at `key` (612 when there is none). */
export function existingObject(bucket: Bucket, key: string): ObjectRecord {
  const record = bucket.store.get(key);
  if (!record) throw noSuchFile();
  return record;
}

/** `move` keeps everything (hash, putTime); `copy` gets a new putTime. An existing `to` needs `force`. */
export function moveOrCopyObject(bucket: Bucket, op: 'move' | 'copy', from: string, to: string, force: boolean): void {
  const { store } = bucket;
  const source = existingObject(bucket, from);
  if (store.has(to) && !force) throw fileExists();
  if (from === to) return;
  if (op === 'move') {
    store.put({ ...source, key: to });
    store.delete(from);
  } else {
    store.put({ ...source, key: to, putTime: bucket.nextPutTime() });
  }
}

export function deleteObject(bucket: Bucket, key: string): void {
  existingObject(bucket, key);
  bucket.store.delete(key);
}

/** chgm: a new MIME type (when given) and metadata merged over what `record` had. */
export function changeMimeAndMeta(bucket: Bucket, record: ObjectRecord, mimeType: string | undefined, meta: Record<string, string>): void {
  const next: ObjectRecord = { ...record };
  if (mimeType !== undefined) next.mimeType = mimeType;
  const merged = { ...record.meta, ...meta };
  if (Object.keys(merged).length > 0) next.meta = merged;
  bucket.store.put(next);
}

/** chtype: the storage class (0..5, checked by the caller). */
export function changeType(bucket: Bucket, key: string, type: number): void {
  bucket.store.put({ ...existingObject(bucket, key), type });
}

/** chstatus: 1 disables, 0 enables; 400 when the object is already so. */
export function changeStatus(bucket: Bucket, key: string, status: 0 | 1): void {
  const record = existingObject(bucket, key);
  if ((record.status ?? 0) === status) throw invalidArgument(status ? 'already disabled' : 'already enabled');
  const next: ObjectRecord = { ...record, status };
  if (!status) delete next.status;
  bucket.store.put(next);
}
