import { isIncorrectRegion } from '../core/region-answer.js';
import { RemoteError, type RemoteErrorKind } from '../errors.js';

/**
 * Map a Kodo HTTP status (the SDK resolves on all of them) to a typed error. What each kind means for retries is the
 * retry table in retry.ts. Two codes are not errors and never reach here: 579 (the upload succeeded, only the
 * callback failed: qiniu-store.ts treats it as success) and 298 (a batch with some failed operations).
 */
export function remoteErrorFromStatus(operation: string, status: number, body: unknown): RemoteError {
  const detail = errorText(body);
  // The bucket lives in another region than the host we asked: a configuration error, never retried (exit 3).
  if (isIncorrectRegion(status, detail)) return new RemoteError('wrong-region', operation, detail, status);
  return new RemoteError(kindOfStatus(status), operation, detail || `unexpected response`, status);
}

/** Kodo's status codes (shared/qiniu-protocol.md): 612 is "no such key" — on a resumable upload, "upload id expired". */
export function kindOfStatus(status: number): RemoteErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 612) return 'not-found';
  if (status === 614) return 'exists';
  // 631: the bucket does not exist — a configuration error, never worth a retry.
  if (status === 631) return 'no-bucket';
  if (status === 573) return 'rate-limited';
  if (status >= 500 || status === 0) return 'server';
  return 'protocol';
}

/** Status codes that mean an upload was stored (579: stored, but the upload callback failed; we set none). */
export function uploadSucceeded(status: number): boolean {
  return status === 200 || status === 579;
}

/**
 * Network-level failures (refused, reset, timeout) the SDK or node:http threw, as a RemoteError. A local file-system
 * error (it names a path: EACCES, ENOSPC, ENOENT… while reading the file to upload or writing a download) is handed
 * back as it is: it is about this one file, not the server, and no retry fixes it.
 */
export function remoteErrorFromThrown(operation: string, err: unknown): Error {
  if (err instanceof RemoteError) return err;
  if (isLocalFsError(err)) return err as Error;
  const e = err as { code?: string; name?: string; message?: string };
  // urllib appends socket diagnostics to its messages (` -1 (connected: false, …)` and more lines): keep what failed.
  const message = e.message?.split('\n')[0].replace(/ -?\d+ \(connected: .*$/, '');
  // urllib's timeouts carry no code, only a name (ResponseTimeoutError, ConnectionTimeoutError).
  const code = e.code ?? (e.name && e.name !== 'Error' ? e.name : undefined);
  return new RemoteError('network', operation, [code, message].filter(Boolean).join(' ') || String(err));
}

/** An errno error from the file system (it carries the path it failed on). */
export function isLocalFsError(err: unknown): boolean {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown } | null;
  return typeof e?.code === 'string' && typeof e.path === 'string' && typeof e.syscall === 'string';
}

function errorText(body: unknown): string {
  if (!body) return '';
  if (typeof body === 'string') return body.slice(0, 200);
  if (Buffer.isBuffer(body)) return body.toString('utf8').slice(0, 200);
  if (typeof body === 'object' && 'error' in (body as object)) return String((body as { error: unknown }).error);
  return '';
}
