import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';

/**
 * Who may talk to the dashboard. The server can start transfers and rewrite config files, so (like Syncthing's GUI):
 * - the `Host` header must name this server on loopback (`127.0.0.1:P`, `localhost:P`, `[::1]:P`): DNS rebinding → 403;
 * - a session starts only by exchanging the one-time token printed on stdout (then void) for an HttpOnly,
 *   SameSite=Strict cookie and a CSRF token the page keeps in memory;
 * - every API request needs the cookie (401), every state-changing one also an `Origin` equal to this server's, the
 *   CSRF header and a JSON body (403): a plain cross-site form POST can send none of them.
 */
export interface HttpGuard {
  readonly oneTimeToken: string;
  readonly cookieName: string;
  /** 403 unless the Host header names this server. */
  hostAllowed(req: IncomingMessage): boolean;
  /** Trade the one-time token for a session: the Set-Cookie value and the CSRF token, or null (used, wrong). */
  openSession(token: unknown): { setCookie: string; csrf: string } | null;
  /** The session's CSRF token when the request carries a live session cookie. */
  sessionOf(req: IncomingMessage): { csrf: string } | null;
  /** Why a state-changing request is refused, or null: Origin, JSON content type, and (with a session) CSRF header. */
  refuseWrite(req: IncomingMessage, session: { csrf: string } | null): string | null;
}

export const CSRF_HEADER = 'x-qjournal-csrf';

export function createHttpGuard(port: number): HttpGuard {
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  let oneTimeToken: string | null = randomToken();
  const printedToken = oneTimeToken;
  // Cookies ignore ports: two dashboards on one machine must not read each other's cookie.
  const cookieName = `qjournal_session_${port}`;
  const sessions = new Map<string, { csrf: string }>();

  return {
    oneTimeToken: printedToken,
    cookieName,
    hostAllowed(req) {
      return allowedHosts.has((req.headers.host ?? '').toLowerCase());
    },
    openSession(token) {
      if (oneTimeToken === null || typeof token !== 'string' || !sameSecret(token, oneTimeToken)) return null;
      oneTimeToken = null;
      const id = randomToken();
      const csrf = randomToken();
      sessions.set(id, { csrf });
      const setCookie = stringifySetCookie(cookieName, id, { httpOnly: true, sameSite: 'strict', path: '/' });
      return { setCookie, csrf };
    },
    sessionOf(req) {
      const id = parseCookie(req.headers.cookie ?? '')[cookieName];
      return id ? (sessions.get(id) ?? null) : null;
    },
    refuseWrite(req, session) {
      const origin = req.headers.origin;
      if (!origin) return 'missing Origin header';
      if (!allowedHosts.has(origin.replace(/^http:\/\//, '').toLowerCase()) || !origin.startsWith('http://')) return 'foreign Origin';
      if (origin.slice('http://'.length).toLowerCase() !== (req.headers.host ?? '').toLowerCase()) return 'Origin does not match Host';
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return 'the body must be JSON';
      if (session) {
        const header = req.headers[CSRF_HEADER];
        if (typeof header !== 'string' || !sameSecret(header, session.csrf)) return 'missing or wrong CSRF header';
      }
      return null;
    },
  };
}

/** Headers on every response: no framing, no inline or foreign scripts, nothing cached, no referrer. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
