import { ObjectChangedError, RemoteError, type RemoteErrorKind } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RemoteStore } from '../remote/remote-store.js';

/** A download whose bytes or ETag do not match the listing: what a stale or byte-changing CDN node produces. */
export function failedVerification(err: unknown): boolean {
  return err instanceof ObjectChangedError || (err instanceof RemoteError && err.kind === 'integrity');
}

/**
 * One download, through `[bucket] domain` (a CDN) first. When that fails verification, the file is tried ONCE more
 * from the bucket's source domain before the bytes are called corrupt: a CDN node may serve the old version for ~10
 * minutes after an overwrite, or change bytes (image slimming, gzip). `fetch(fromOrigin, notRetried)` is the whole
 * attempt with its own retries (withRetry), minus `notRetried`: bytes that fail their check through the CDN are not
 * fetched from it again, the origin is asked instead. What it returns says who served the bytes (the journal's
 * `file_checks.served_by`).
 */
export async function downloadFromCdnThenOrigin<T>(
  remote: RemoteStore,
  key: string,
  logger: Logger | undefined,
  fetch: (fromOrigin: boolean, notRetried: readonly RemoteErrorKind[]) => Promise<T>,
): Promise<T> {
  const domains = remote.cdnAndOrigin;
  try {
    return await fetch(false, domains ? ['integrity'] : []);
  } catch (err) {
    if (domains === null || !failedVerification(err)) throw err;
    logger?.warn(`Download of ${key} from ${domains.cdn} failed its check (${(err as Error).message}); trying once more from the origin ${domains.origin}`);
    return fetch(true, []);
  }
}
