import type { ObjectRecord } from './types.js';

/** A CDN node refreshes what it holds about 10 minutes after an overwrite (shared/qiniu-protocol.md §12). */
export const DEFAULT_CDN_STALE_MS = 10 * 60_000;

/**
 * A CDN node in front of the bucket: the first request for a key fetches it from the origin and keeps that copy (bytes,
 * ETag and all) for `staleMs`; until then an overwrite or delete at the origin is not seen, like a real node before
 * its refresh. Nothing is kept for a missing key.
 */
export class CdnNode {
  private readonly held = new Map<string, { record: ObjectRecord; since: number }>();

  constructor(private readonly staleMs: number = DEFAULT_CDN_STALE_MS) {}

  /** What the node serves for `key`, given what the origin holds now. */
  serve(key: string, atOrigin: ObjectRecord | undefined, now = Date.now()): ObjectRecord | undefined {
    const kept = this.held.get(key);
    if (kept && now - kept.since < this.staleMs) return kept.record;
    if (!atOrigin) {
      this.held.delete(key);
      return undefined;
    }
    this.held.set(key, { record: atOrigin, since: now });
    return atOrigin;
  }

  /** Forget everything (a purge). */
  clear(): void {
    this.held.clear();
  }
}
