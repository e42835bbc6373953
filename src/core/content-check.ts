import { createHash, type Hash } from 'node:crypto';
import { hashKind, type HashKind } from './hash-kind.js';
import { EtagV2Hasher, QetagHasher } from './qetag.js';
import type { RemoteObject } from './types.js';

/**
 * How a local copy was found to hold an object's content: by reproducing its hash (`qetag`, `etag-v2`), or, for a
 * hash no local computation reproduces, by its MD5 or only by its size. The last two are "unverified" copies:
 * `status` lists them.
 */
export type VerifiedBy = 'qetag' | 'etag-v2' | 'md5' | 'size';

export const UNVERIFIED: ReadonlySet<VerifiedBy> = new Set(['md5', 'size']);

/** The outcome of checking bytes against an object. */
export interface ContentCheck {
  kind: HashKind;
  verifiedBy: VerifiedBy;
  /** The bytes are the object's (as far as `verifiedBy` can tell). */
  ok: boolean;
  /** What the bytes hash to in `verifiedBy`'s terms (for the error message); the size for `size`. */
  actual: string;
  expected: string;
  /** The plain qetag of the bytes (the journal keeps it to recognise the local copy later, whatever the kind). */
  localQetag: string;
}

/**
 * Checks a stream of bytes against `object`: feed every byte with `update`, then `finish`. The check follows the
 * hash's kind: the qetag for v1 hashes, etag v2 over the listed parts for v2 (no parts, or parts that do not add up
 * to the size: treated like an opaque hash), else the listed MD5, else the size alone.
 */
export class ContentChecker {
  readonly kind: HashKind;
  private readonly qetag: QetagHasher | null;
  private readonly v2: EtagV2Hasher | null;
  private readonly md5: Hash | null;
  private size = 0;

  constructor(private readonly object: Pick<RemoteObject, 'hash' | 'fsize' | 'parts' | 'md5'>) {
    this.kind = hashKind(object.hash);
    const parts = object.parts;
    const v2 = this.kind === 'etag-v2' && parts !== undefined && parts.reduce((a, b) => a + b, 0) === object.fsize;
    this.v2 = v2 ? new EtagV2Hasher(parts) : null;
    this.qetag = this.v2 ? null : new QetagHasher();
    this.md5 = !this.v2 && this.kind !== 'v1-single' && this.kind !== 'v1-multi' && object.md5 ? createHash('md5') : null;
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.v2) this.v2.update(chunk);
    else this.qetag!.update(chunk);
    this.md5?.update(chunk);
  }

  finish(): ContentCheck {
    const { object, kind } = this;
    const localQetag = this.v2 ? this.v2.qetag() : this.qetag!.digest();
    const result = (verifiedBy: VerifiedBy, actual: string, expected: string): ContentCheck => ({
      kind,
      verifiedBy,
      ok: actual === expected,
      actual,
      expected,
      localQetag,
    });
    if (kind === 'v1-single' || kind === 'v1-multi') return result('qetag', localQetag, object.hash);
    if (this.v2) return result('etag-v2', this.size === object.fsize ? this.v2.digest() : `${this.size} bytes`, object.hash);
    if (this.md5) return result('md5', this.md5.digest('hex'), object.md5!.toLowerCase());
    return result('size', String(this.size), String(object.fsize));
  }
}
