import { createHash, type Hash } from 'node:crypto';

/** qetag block size: 4 MiB (shared/qiniu-protocol.md §7). */
export const QETAG_BLOCK = 4 << 20;

const SINGLE_BLOCK = 0x16;
const MULTI_BLOCK = 0x96;
const ETAG_V2 = 0x9e;

const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();
/** Digests are 21 bytes, a multiple of 3: base64 has no padding, so Node's `base64url` is exactly Qiniu's encoding. */
const base64Url = (data: Buffer): string => data.toString('base64url');

/**
 * Streaming qetag (v1): SHA-1 per 4 MiB block; one block (empty input included) → `0x16 ‖ sha1(content)`, more →
 * `0x96 ‖ sha1(block sha1s)`, URL-safe base64 (28 characters). Feed chunks of any size with `update`, then `digest`;
 * `digest` may be called again but `update` may not follow it.
 */
export class QetagHasher {
  private readonly blockDigests: Buffer[] = [];
  private block: Hash = createHash('sha1');
  private blockFill = 0;
  private raw: Buffer | undefined;

  update(chunk: Uint8Array): void {
    if (this.raw) throw new Error('QetagHasher: update after digest');
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(QETAG_BLOCK - this.blockFill, chunk.length - offset);
      this.block.update(chunk.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === QETAG_BLOCK) {
        this.blockDigests.push(this.block.digest());
        this.block = createHash('sha1');
        this.blockFill = 0;
      }
    }
  }

  digest(): string {
    return base64Url(this.rawDigest());
  }

  /** The 21 raw bytes (prefix + SHA-1) that `digest` encodes. */
  rawDigest(): Buffer {
    if (!this.raw) {
      const digests = this.blockFill > 0 || this.blockDigests.length === 0 ? [...this.blockDigests, this.block.digest()] : this.blockDigests;
      this.raw =
        digests.length === 1
          ? Buffer.concat([Buffer.from([SINGLE_BLOCK]), digests[0]])
          : Buffer.concat([Buffer.from([MULTI_BLOCK]), sha1(Buffer.concat(digests))]);
    }
    return this.raw;
  }
}

export function qetag(data: Uint8Array): string {
  if (data.length <= QETAG_BLOCK) {
    // One block: skip the streaming machinery (this runs per object when seeding millions of small ones).
    const raw = Buffer.allocUnsafe(21);
    raw[0] = SINGLE_BLOCK;
    createHash('sha1').update(data).digest().copy(raw, 1);
    return base64Url(raw);
  }
  const hasher = new QetagHasher();
  hasher.update(data);
  return hasher.digest();
}

/**
 * etag v2 of a multipart upload from its parts' sizes (which must add up to `data.length`). When every part but the
 * last is exactly 4 MiB and the last is at most 4 MiB, it is the plain qetag of the whole content (the rule qshell
 * applies); otherwise `0x9e ‖ sha1(concat of each part's v1 SHA-1)`.
 */
export function etagV2(data: Uint8Array, partSizes: readonly number[]): string {
  const total = partSizes.reduce((sum, size) => sum + size, 0);
  if (total !== data.length) throw new RangeError(`etagV2: part sizes add up to ${total}, data has ${data.length} bytes`);
  const aligned = partSizes.slice(0, -1).every((size) => size === QETAG_BLOCK) && (partSizes.at(-1) ?? 0) <= QETAG_BLOCK;
  if (aligned) return qetag(data);
  const partDigests: Buffer[] = [];
  let offset = 0;
  for (const size of partSizes) {
    const hasher = new QetagHasher();
    hasher.update(data.subarray(offset, offset + size));
    partDigests.push(hasher.rawDigest().subarray(1));
    offset += size;
  }
  return base64Url(Buffer.concat([Buffer.from([ETAG_V2]), sha1(Buffer.concat(partDigests))]));
}

/**
 * Streaming `etagV2` for known part sizes, with the plain qetag of the whole content beside it (the journal keeps the
 * latter to recognise the local copy later). `digest` throws when the bytes fed do not add up to the parts.
 */
export class EtagV2Hasher {
  private readonly whole = new QetagHasher();
  /** null when the parts are 4 MiB aligned: etag v2 is then the qetag. */
  private readonly partDigests: Buffer[] | null;
  private part = new QetagHasher();
  private partIndex = 0;
  private partFill = 0;
  private fed = 0;
  private readonly total: number;

  constructor(private readonly partSizes: readonly number[]) {
    this.total = partSizes.reduce((sum, size) => sum + size, 0);
    const aligned = partSizes.slice(0, -1).every((size) => size === QETAG_BLOCK) && (partSizes.at(-1) ?? 0) <= QETAG_BLOCK;
    this.partDigests = aligned ? null : [];
  }

  update(chunk: Uint8Array): void {
    this.whole.update(chunk);
    this.fed += chunk.length;
    if (this.partDigests === null) return;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.partIndex >= this.partSizes.length) return; // more bytes than parts: digest reports it
      const take = Math.min(this.partSizes[this.partIndex] - this.partFill, chunk.length - offset);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partFill += take;
      offset += take;
      this.closeFullParts();
    }
  }

  /** etag v2 of what was fed. */
  digest(): string {
    if (this.fed !== this.total) throw new RangeError(`EtagV2Hasher: part sizes add up to ${this.total}, ${this.fed} bytes were fed`);
    if (this.partDigests === null) return this.whole.digest();
    this.closeFullParts(); // zero-length parts at the end
    return base64Url(Buffer.concat([Buffer.from([ETAG_V2]), sha1(Buffer.concat(this.partDigests))]));
  }

  /** The plain qetag of what was fed. */
  qetag(): string {
    return this.whole.digest();
  }

  private closeFullParts(): void {
    while (this.partIndex < this.partSizes.length && this.partFill === this.partSizes[this.partIndex]) {
      this.partDigests!.push(this.part.rawDigest().subarray(1));
      this.part = new QetagHasher();
      this.partFill = 0;
      this.partIndex++;
    }
  }
}
