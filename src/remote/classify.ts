import { RemoteError, type RemoteErrorKind } from '../errors.js';

/** Map a Kodo HTTP status (the SDK resolves on all of them) to a typed error. */
export function remoteErrorFromStatus(operation: string, status: number, body: unknown): RemoteError {
  const detail = errorText(body);
  const kind: RemoteErrorKind =
    status === 401 || status === 403
      ? 'auth'
      : status === 404 || status === 612
        ? 'not-found'
        : status === 614
          ? 'exists'
          : status === 631
            ? 'no-bucket'
            : status >= 500 || status === 0
              ? 'server'
              : 'protocol';
  return new RemoteError(kind, operation, detail || `unexpected response`, status);
}

/** Network-level failures (refused, reset, timeout) the SDK or node:http threw. */
export function remoteErrorFromThrown(operation: string, err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  // urllib appends socket diagnostics to its messages (` -1 (connected: false, …)` and more lines): keep what failed.
  const message = e.message?.split('\n')[0].replace(/ -?\d+ \(connected: .*$/, '');
  return new RemoteError('network', operation, [e.code, message].filter(Boolean).join(' ') || String(err));
}

function errorText(body: unknown): string {
  if (!body) return '';
  if (typeof body === 'string') return body.slice(0, 200);
  if (Buffer.isBuffer(body)) return body.toString('utf8').slice(0, 200);
  if (typeof body === 'object' && 'error' in (body as object)) return String((body as { error: unknown }).error);
  return '';
}
