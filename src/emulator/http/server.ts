import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readBody, writeBody } from './body-io.js';
import type { EmulatorState } from '../state/emulator-state.js';
import { type Exchange, type Reply, splitTarget } from './exchange.js';
import type { AppliedFault } from '../state/faults.js';
import { KodoError } from '../state/kodo-error.js';
import type { ListenerRole } from './listener-role.js';
import { otherRegionReply } from './other-region.js';
import { sleep } from './pacing.js';
import { classify, dispatch } from './router.js';
import type { RouteName } from '../state/types.js';

/**
 * The HTTP front: per request it classifies the route, counts it, applies injected faults, reads the body, runs
 * the handler and writes the reply. Socket errors and clients that vanish mid-request never reach the process.
 */
export function createEmulatorServer(core: EmulatorState, homeHost: () => string, role: ListenerRole = 'home'): http.Server {
  const server = http.createServer((req, res) => {
    // At home, the host the client reached us by (it may say localhost); elsewhere the home listener's own.
    const home = role === 'home' ? req.headers.host || homeHost() : homeHost();
    handle(core, req, res, home, role).catch((err: unknown) => {
      process.stderr.write(`kodo emulator: ${req.method} ${req.url} failed: ${(err as Error)?.stack ?? String(err)}\n`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"internal emulator error"}');
      } else {
        res.destroy();
      }
    });
  });
  // Outlive clients' idle keep-alive sockets so they never reuse one we are closing; throttled transfers may be slow.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.setNoDelay(true);
  });
  return server;
}

/** Requests of each route being handled now, per emulator (rate-limit faults answer 573 above a number of them). */
const inFlightOf = new WeakMap<EmulatorState, Map<string, number>>();

async function handle(core: EmulatorState, req: http.IncomingMessage, res: http.ServerResponse, selfHost: string, role: ListenerRole): Promise<void> {
  req.on('error', () => {});
  res.on('error', () => {});
  const reqId = randomBytes(8).toString('hex');
  res.setHeader('X-Reqid', reqId);
  const method = (req.method ?? 'GET').toUpperCase();
  const rawTarget = req.url ?? '/';
  const { rawPath, rawQuery } = splitTarget(rawTarget);
  const route = routeOn(role, classify(method, rawPath, rawQuery, req.headers));
  core.counters.request(route);
  let inFlight = inFlightOf.get(core);
  if (!inFlight) inFlightOf.set(core, (inFlight = new Map()));
  const busy = inFlight.get(route) ?? 0;
  inFlight.set(route, busy + 1);
  res.once('close', () => inFlight.set(route, (inFlight.get(route) ?? 1) - 1));
  const fault = route === 'control' ? undefined : core.faults.take(route, busy);
  if (fault?.reset) {
    req.socket?.destroy();
    return;
  }

  let body: Buffer;
  try {
    body = await readBody(req, (n) => core.counters.bytesIn(route, n), fault?.throttleBytesPerSec);
  } catch {
    req.socket?.destroy();
    return;
  }
  if (fault?.delayMs) await sleep(fault.delayMs);
  if (res.destroyed) return;

  const ex: Exchange = { req, res, route, method, rawTarget, rawPath, rawQuery, query: new URLSearchParams(rawQuery), body, reqId };
  let reply: Reply;
  if (fault?.status !== undefined) {
    reply = { status: fault.status, json: { error: fault.status === 573 ? 'request frequency is too high' : 'injected fault' } };
  } else {
    try {
      reply = (role === 'other-region' ? otherRegionReply(route, core.bucket) : null) ?? (await dispatch(ex, core, selfHost));
    } catch (err) {
      if (!(err instanceof KodoError)) throw err;
      reply = { status: err.status, json: { error: err.message } };
    }
  }
  await send(ex, core, reply, fault);
}

/** A CDN domain serves downloads only (counted apart, as `cdn-download`); anything else there is unknown. */
function routeOn(role: ListenerRole, route: RouteName): RouteName {
  if (role !== 'cdn') return route;
  return route === 'download' || route === 'head' ? 'cdn-download' : 'other';
}

async function send(ex: Exchange, core: EmulatorState, reply: Reply, fault: AppliedFault | undefined): Promise<void> {
  const { res } = ex;
  let body = reply.body ?? Buffer.alloc(0);
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.json !== undefined) body = Buffer.from(JSON.stringify(reply.json));
  if (fault?.corrupt && body.length > 0) {
    body = Buffer.from(body);
    body[body.length >> 1] ^= 0xff;
  }
  headers['Content-Type'] ??= 'application/json';
  headers['Content-Length'] = body.length;
  res.writeHead(reply.status, headers);
  if (reply.headOnly || ex.method === 'HEAD') {
    res.end();
    return;
  }
  await writeBody(res, body, {
    onBytes: (n) => core.counters.bytesOut(ex.route, n),
    throttleBytesPerSec: fault?.throttleBytesPerSec,
    truncate: fault?.truncate,
  });
}
