/** Talking to the dashboard server: the sign-in exchange, JSON requests with the CSRF header, the event stream. */

let csrf: string | null = null;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * Trade the one-time token in the address (`#token=…`) for the session cookie, then drop it from the address bar and
 * history. Without a token (a reload), the cookie alone gets the CSRF token back.
 */
export async function signIn(): Promise<void> {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    history.replaceState(null, '', `${location.pathname}#/`);
    const res = await fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: decodeURIComponent(m[1]) }),
      credentials: 'same-origin',
    });
    if (!res.ok) throw new ApiError(res.status, (await res.text()).trim(), {});
    csrf = ((await res.json()) as { csrf: string }).csrf;
    return;
  }
  const res = await fetch('/api/session', { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, (await res.text()).trim(), {});
  csrf = ((await res.json()) as { csrf: string }).csrf;
}

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    headers['X-Qjournal-CSRF'] = csrf ?? '';
  }
  const res = await fetch(url, { method, headers, credentials: 'same-origin', body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined });
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? ((await res.json()) as Record<string, unknown>) : { error: (await res.text()).trim() };
  if (!res.ok) throw new ApiError(res.status, String(data.error ?? res.statusText), data);
  return data as T;
}

export const get = <T>(url: string) => request<T>('GET', url);
export const post = <T>(url: string, body?: unknown) => request<T>('POST', url, body);

/** Server-sent events: `job` (progress, log lines, outcome), `running` (the lock), `changed` (refresh). */
export function subscribe(on: (event: string, data: Record<string, unknown>) => void): () => void {
  const source = new EventSource('/api/events');
  for (const name of ['job', 'running', 'changed']) {
    source.addEventListener(name, (e) => on(name, JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>));
  }
  return () => source.close();
}
