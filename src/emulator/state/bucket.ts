import { createHash } from 'node:crypto';
import { qetag } from '../../core/qetag.js';
import { OCTET_STREAM, mimeFromName } from './mime.js';
import type { ObjectStore } from './store.js';
import type { ObjectRecord } from './types.js';

/** The bucket's key pair: it signs every token and management request (http/credentials.ts checks them). */
export interface Credentials {
  accessKey: string;
  secretKey: string;
}

/** The one bucket an emulator serves: its identity, its region, its objects and its clock. */
export class Bucket {
  private lastPutTime = 0;

  constructor(
    readonly name: string,
    readonly credentials: Credentials,
    readonly isPrivate: boolean,
    readonly store: ObjectStore,
    /** The region id the bucket lives in (the region query names it; other regions' hosts refuse its uploads). */
    readonly region = 'z0',
  ) {
    for (const key of store.sortedKeys()) this.lastPutTime = Math.max(this.lastPutTime, store.get(key)!.putTime);
  }

  /**
   * Upload time in 100 ns units, strictly increasing. Steps are multiples of 10 so every value stays even and
   * therefore exactly representable as a double beyond 2^53 (JSON.parse on the client keeps it intact).
   */
  nextPutTime(): number {
    const now = Date.now() * 10_000;
    this.lastPutTime = now > this.lastPutTime ? now : this.lastPutTime + 10;
    return this.lastPutTime;
  }

  /** A fresh record for `data` (hash = qetag unless given, e.g. an etag v2). */
  newRecord(key: string, data: Buffer, fields: Partial<Omit<ObjectRecord, 'key' | 'data' | 'fsize' | 'md5'>> = {}): ObjectRecord {
    const record: ObjectRecord = {
      key,
      data,
      hash: fields.hash ?? qetag(data),
      fsize: data.length,
      mimeType: fields.mimeType ?? mimeFromName(key) ?? OCTET_STREAM,
      putTime: fields.putTime ?? this.nextPutTime(),
      md5: createHash('md5').update(data).digest('hex'),
      type: fields.type ?? 0,
    };
    if (fields.parts) record.parts = fields.parts;
    if (fields.endUser) record.endUser = fields.endUser;
    if (fields.status) record.status = fields.status;
    if (fields.meta && Object.keys(fields.meta).length > 0) record.meta = fields.meta;
    return record;
  }
}
