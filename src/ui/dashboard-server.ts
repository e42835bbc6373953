import { existsSync, promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChannel, createSession } from 'better-sse';
import FindMyWay from 'find-my-way';
import type { Credentials } from '../config/config.js';
import { resolveCredentials } from '../config/credentials.js';
import { ConfigError, LockedError, NotFoundError, RemoteError, SafetyAbortError, UsageError } from '../errors.js';
import { ScheduleInstallError } from '../sync/crontab.js';
import { BackupSlot } from './backup-slot.js';
import { apiRoutes, type ApiContext } from './api-routes.js';
import { createHttpGuard, setSecurityHeaders } from './http-guard.js';
import { HttpError } from './http-error.js';

export interface Dashboard {
  /** The address to open, with the one-time token in the fragment (never sent to any server, nor logged). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DashboardOptions {
  configFiles: string[];
  port: number;
  env?: Record<string, string | undefined>;
}

const MAX_BODY = 1024 * 1024;
const LOCK_POLL_MS = 1000;

/**
 * `qjournal ui`: the dashboard's HTTP server on 127.0.0.1 only. Static page + JSON API + server-sent events; every
 * engine call goes through BackupSlot, which calls the same functions as the CLI.
 */
export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const env = opts.env ?? process.env;
  const channel = createChannel();
  // A passphrase typed into the page (keys set, or unlock) stays in this process only.
  let passphrase: string | null = null;
  const credentials = (): Promise<Credentials> =>
    resolveCredentials({ env: passphrase ? { ...env, QJOURNAL_PASSPHRASE: passphrase } : env, isTTY: false });
  const slotDeps = {
    credentials,
    secrets: () => (passphrase ? [passphrase] : []),
    broadcast: (event: string, data: unknown) => {
      channel.broadcast(data, event);
    },
  };
  const slots: BackupSlot[] = opts.configFiles.map((file, i) => new BackupSlot(i, path.resolve(file), slotDeps));
  const staticDir = findStaticDir();

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const guard = createHttpGuard(port);

  const ctx: ApiContext = {
    slots,
    env,
    credentials,
    setPassphrase: (p) => {
      passphrase = p;
    },
    addSlot: (file) => {
      const slot = new BackupSlot(slots.length, file, slotDeps);
      slots.push(slot);
      return slot;
    },
  };
  const router = FindMyWay({ ignoreTrailingSlash: true, defaultRoute: (_req, res) => sendJson(res, 404, { error: 'No such API route' }) });
  for (const route of apiRoutes(ctx)) {
    router.on(route.method, route.path, async (req, res, params, _store, query) => {
      const body = route.method === 'POST' ? await readJson(req) : undefined;
      const result = await route.handle({ params: params as Record<string, string>, query, body });
      sendJson(res, 200, result);
    });
  }

  let lastRunning = new Map<number, boolean>();
  const poll = setInterval(() => {
    if (channel.sessionCount === 0) return;
    void Promise.all(slots.map(async (s) => [s.id, await s.running().catch(() => false)] as const)).then((states) => {
      for (const [id, running] of states) {
        if (lastRunning.get(id) !== running) channel.broadcast({ backup: id, running }, 'running');
      }
      lastRunning = new Map(states);
    });
  }, LOCK_POLL_MS);
  poll.unref();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: unknown) => sendError(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    if (!guard.hostAllowed(req)) return sendText(res, 403, 'Forbidden: this dashboard answers only to 127.0.0.1, localhost or [::1] with its port');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/api/')) return serveStatic(res, req.method ?? 'GET', url.pathname);

    const writes = req.method !== 'GET' && req.method !== 'HEAD';
    if (url.pathname === '/api/session' && req.method === 'POST') {
      const refused = guard.refuseWrite(req, null);
      if (refused) return sendText(res, 403, `Forbidden: ${refused}`);
      const body = (await readJson(req)) as { token?: unknown } | undefined;
      const opened = guard.openSession(body?.token);
      if (!opened) return sendText(res, 401, 'This link was used already or is wrong: run "qjournal ui" again for a new one');
      res.setHeader('Set-Cookie', opened.setCookie);
      return sendJson(res, 200, { csrf: opened.csrf });
    }
    const session = guard.sessionOf(req);
    if (!session) return sendText(res, 401, 'Not signed in: open the link "qjournal ui" printed');
    if (writes) {
      const refused = guard.refuseWrite(req, session);
      if (refused) return sendText(res, 403, `Forbidden: ${refused}`);
    }
    if (url.pathname === '/api/session' && req.method === 'GET') return sendJson(res, 200, { csrf: session.csrf });
    if (url.pathname === '/api/events' && req.method === 'GET') {
      const sse = await createSession(req, res, { keepAlive: 15_000 });
      channel.register(sse);
      return;
    }
    await router.lookup(req, res);
  }

  async function serveStatic(res: ServerResponse, method: string, pathname: string): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
    const files: Record<string, [string, string]> = {
      '/': ['index.html', 'text/html; charset=utf-8'],
      '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
      '/app.css': ['app.css', 'text/css; charset=utf-8'],
      '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
    };
    const file = files[pathname];
    if (!file || !staticDir) return sendText(res, 404, 'Not found');
    const body = await fsp.readFile(path.join(staticDir, file[0]));
    res.writeHead(200, { 'Content-Type': file[1], 'Content-Length': body.length });
    res.end(method === 'HEAD' ? undefined : body);
  }

  return {
    url: `http://127.0.0.1:${port}/#token=${guard.oneTimeToken}`,
    port,
    async close() {
      clearInterval(poll);
      for (const s of channel.activeSessions) channel.deregister(s);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** dist/ui beside the bundle (dist/cli/*.js) or the compiled sources (dist/src/ui/*.js). */
function findStaticDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, '..', 'ui'), path.join(here, '..', '..', 'ui')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  if (res.headersSent) return;
  const body = JSON.stringify(data ?? null);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** The engine's typed errors as HTTP answers; their messages never contain credentials (errors.ts). */
function sendError(res: ServerResponse, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof HttpError) return sendJson(res, err.status, { error: message, details: err.details });
  if (err instanceof ConfigError) {
    const problems = err.problems.map((p) => ({ section: p.section, key: p.key, message: p.message }));
    const needsPassphrase = err.name === 'CredentialsError';
    return sendJson(res, 422, { error: message, problems, needsPassphrase });
  }
  if (err instanceof LockedError) return sendJson(res, 409, { error: message });
  if (err instanceof UsageError) return sendJson(res, 400, { error: message });
  // crontab could not be run or changed: the machine's, not the request's fault.
  if (err instanceof ScheduleInstallError) return sendJson(res, 503, { error: message });
  if (err instanceof NotFoundError) return sendJson(res, 404, { error: message });
  if (err instanceof SafetyAbortError) return sendJson(res, 409, { error: message });
  if (err instanceof RemoteError) return sendJson(res, 502, { error: message });
  sendJson(res, 500, { error: `Internal error: ${message}` });
}
