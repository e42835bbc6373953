import { existsSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { acquireLock } from '../../src/journal/lock.js';
import { startUi, type RunningUi } from '../helpers/dashboard.js';
import { makeWorkspace, requestsOf, runCli, type Workspace } from '../helpers/workspace.js';

// Issue #16: the dashboard's HTTP surface. Each refused request must start nothing: no download, no journal.
let emu: Emulator;
let ws: Workspace;
let ui: RunningUi;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(async () => {
  emu.reset();
  emu.seed({ 'a.txt': 'hello' });
  ws = await makeWorkspace(emu);
  ui = await startUi([ws.configPath], { env: ws.env, cwd: ws.dir });
});
afterEach(async () => {
  await ui.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(method: string, urlPath: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: ui.port, method, path: urlPath, headers: { host: `127.0.0.1:${ui.port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const token = () => new URL(ui.url).hash.replace('#token=', '');
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin: ui.origin } });

/** A signed-in session: the cookie and the CSRF token. */
async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const r = await send('POST', '/api/session', json({ token: token() }));
  expect(r.status, r.body).toBe(200);
  const setCookie = r.headers['set-cookie']![0];
  return { cookie: setCookie.split(';')[0], csrf: (JSON.parse(r.body) as { csrf: string }).csrf };
}

function startsNothing() {
  expect(requestsOf(emu, 'download')).toBe(0);
  expect(existsSync(path.join(ws.root, '.qjournal', 'journal.db'))).toBe(false);
  expect(existsSync(path.join(ws.root, 'a.txt'))).toBe(false);
}

describe('dashboard HTTP security', () => {
  it('answers 403 to a Host that is not this server on loopback (DNS rebinding)', async () => {
    for (const host of ['evil.example:80', `evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${ui.port}`]) {
      for (const [method, p] of [['GET', '/'], ['GET', '/api/backups'], ['POST', '/api/session']] as const) {
        const r = await send(method, p, { body: method === 'POST' ? JSON.stringify({ token: token() }) : undefined, headers: { ...json({}).headers, host } });
        expect(r.status, `${method} ${p} Host ${host}`).toBe(403);
      }
    }
    for (const host of [`localhost:${ui.port}`, `[::1]:${ui.port}`, `127.0.0.1:${ui.port}`]) {
      expect((await send('GET', '/', { headers: { host } })).status).toBe(200);
    }
    // The token was never accepted above: it still signs in once.
    await signIn();
  });

  it('trades the one-time token for an HttpOnly SameSite=Strict cookie exactly once; a replay gets 401', async () => {
    expect((await send('POST', '/api/session', json({ token: 'wrong' }))).status).toBe(401);
    const r = await send('POST', '/api/session', json({ token: token() }));
    expect(r.status).toBe(200);
    const cookie = r.headers['set-cookie']![0];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(r.body).not.toContain(token());
    expect((await send('POST', '/api/session', json({ token: token() }))).status).toBe(401);
  });

  it('refuses the sign-in without Origin, with a foreign Origin, or as a form post', async () => {
    const body = JSON.stringify({ token: token() });
    const cases: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', origin: 'http://evil.example' },
      { 'content-type': 'application/json', origin: `http://localhost:${ui.port + 1}` },
      { 'content-type': 'application/x-www-form-urlencoded', origin: ui.origin },
      { 'content-type': 'text/plain', origin: ui.origin },
    ];
    for (const headers of cases) expect((await send('POST', '/api/session', { headers, body })).status, JSON.stringify(headers)).toBe(403);
    await signIn();
  });

  it('needs the cookie for every API call, and Origin + CSRF header + JSON for every write; refused writes start nothing', async () => {
    expect((await send('GET', '/api/backups')).status).toBe(401);
    expect((await send('POST', '/api/backups/0/sync', json({}))).status).toBe(401);
    expect((await send('GET', '/api/events')).status).toBe(401);
    const { cookie, csrf } = await signIn();
    const ok = { cookie, 'x-qjournal-csrf': csrf, 'content-type': 'application/json', origin: ui.origin };
    const refused: Record<string, string>[] = [
      { ...ok, origin: '' },
      { ...ok, origin: 'http://evil.example' },
      { ...ok, origin: 'null' },
      { ...ok, 'x-qjournal-csrf': '' },
      { ...ok, 'x-qjournal-csrf': 'guess' },
      { ...ok, 'content-type': 'application/x-www-form-urlencoded' },
      { ...ok, 'content-type': 'multipart/form-data; boundary=x' },
      { ...ok, cookie: 'qjournal_session_1=forged' },
    ];
    for (const headers of refused) {
      const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
      const r = await send('POST', '/api/backups/0/sync', { headers: clean, body: '{}' });
      expect([401, 403], JSON.stringify(headers)).toContain(r.status);
    }
    // A plain cross-site form post (what a hostile page can send with the user's cookie).
    const form = await send('POST', '/api/backups/0/sync', { headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    startsNothing();

    expect((await send('GET', '/api/backups', { headers: { cookie } })).status).toBe(200);
    const started = await send('POST', '/api/backups/0/sync', { headers: ok, body: '{}' });
    expect(started.status, started.body).toBe(200);
    await expect.poll(() => existsSync(path.join(ws.root, 'a.txt')), { timeout: 10_000 }).toBe(true);
  });

  it('refuses Sync now while another run holds the lock', async () => {
    const { cookie, csrf } = await signIn();
    await fsp.mkdir(path.join(ws.root, '.qjournal'), { recursive: true });
    const lock = await acquireLock(path.join(ws.root, '.qjournal', 'lock'));
    try {
      const ok = { cookie, 'x-qjournal-csrf': csrf, 'content-type': 'application/json', origin: ui.origin };
      const r = await send('POST', '/api/backups/0/sync', { headers: ok, body: '{}' });
      expect(r.status).toBe(409);
      expect(r.body).toContain('running already');
      const overview = JSON.parse((await send('GET', '/api/backups', { headers: { cookie } })).body) as { backups: { running: boolean }[] };
      expect(overview.backups[0].running).toBe(true);
    } finally {
      await lock.release();
    }
    expect(requestsOf(emu, 'download')).toBe(0);
  });

  it('sends no-framing, strict CSP and no-store headers on the page and the API', async () => {
    const { cookie } = await signIn();
    for (const r of [await send('GET', '/'), await send('GET', '/app.js'), await send('GET', '/api/backups', { headers: { cookie } }), await send('GET', '/api/backups')]) {
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(r.headers['cache-control']).toBe('no-store');
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const hexPort = ui.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = async (file: string) =>
      (await fsp.readFile(file, 'utf8'))
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
        .map((f) => f[1].split(':')[0]);
    expect(await listening('/proc/net/tcp')).toEqual(['0100007F']);
    expect(await listening('/proc/net/tcp6')).toEqual([]);
  });

  it('never sends the secret key or the passphrase to the page, nor logs them', async () => {
    const { cookie, csrf } = await signIn();
    const ok = { cookie, 'x-qjournal-csrf': csrf, 'content-type': 'application/json', origin: ui.origin };
    const passphrase = 'correct horse battery staple';
    const saved = await send('POST', '/api/keys', { headers: ok, body: JSON.stringify({ accessKey: 'AK-from-page', secretKey: 'SK-from-page-secret', passphrase }) });
    expect(saved.status, saved.body).toBe(200);
    const credentials = await fsp.readFile(ws.env.QJOURNAL_CREDENTIALS, 'utf8');
    expect(credentials).not.toContain('SK-from-page-secret');
    const replies = [saved, await send('GET', '/api/keys', { headers: { cookie } }), await send('GET', '/api/backups', { headers: { cookie } }), await send('GET', '/api/backups/0/settings', { headers: { cookie } })];
    expect((await send('POST', '/api/backups/0/sync', { headers: ok, body: '{}' })).status).toBe(200);
    await expect.poll(() => existsSync(path.join(ws.root, 'a.txt')), { timeout: 10_000 }).toBe(true);
    replies.push(await send('GET', '/api/backups', { headers: { cookie } }), await send('GET', '/api/backups/0/runs', { headers: { cookie } }));
    for (const r of replies) {
      for (const secret of [emu.secretKey, 'SK-from-page-secret', passphrase]) expect(r.body).not.toContain(secret);
    }
    await ui.close();
    for (const secret of [emu.secretKey, 'SK-from-page-secret', passphrase]) expect(ui.stderr()).not.toContain(secret);
  });

  it('shows several configs side by side, and adds one through the init form', async () => {
    await ui.close();
    const other = await makeWorkspace(emu, { bucket: { name: 'second-bucket' } });
    ui = await startUi([ws.configPath, other.configPath], { env: ws.env, cwd: ws.dir });
    const { cookie, csrf } = await signIn();
    const list = JSON.parse((await send('GET', '/api/backups', { headers: { cookie } })).body) as { backups: { bucket: string; file: string }[] };
    expect(list.backups.map((b) => b.bucket)).toEqual([emu.bucket, 'second-bucket']);
    const ok = { cookie, 'x-qjournal-csrf': csrf, 'content-type': 'application/json', origin: ui.origin };
    const added = await send('POST', '/api/backups', { headers: ok, body: JSON.stringify({ file: 'third.ini', bucket: 'third', domain: 'http://cdn.example.com', root: './third' }) });
    expect(added.status, added.body).toBe(200);
    const text = await fsp.readFile(path.join(ws.dir, 'third.ini'), 'utf8');
    expect(text).toMatch(/^; qjournal configuration/);
    expect(text).toContain('name = third');
    const after = JSON.parse((await send('GET', '/api/backups', { headers: { cookie } })).body) as { backups: { bucket: string }[] };
    expect(after.backups.map((b) => b.bucket)).toEqual([emu.bucket, 'second-bucket', 'third']);
  });

  it('unlocks keys stored encrypted (keys set) with the passphrase typed into the page', async () => {
    await ui.close();
    const passphrase = 'open sesame';
    const stored = await runCli(['keys', 'set'], { env: { ...ws.env, QJOURNAL_PASSPHRASE: passphrase } });
    expect(stored.code, stored.stderr).toBe(0);
    const noKeys = { ...ws.env, QINIU_ACCESS_KEY: '', QINIU_SECRET_KEY: '' };
    ui = await startUi([ws.configPath], { env: noKeys, cwd: ws.dir });
    const { cookie, csrf } = await signIn();
    const keys = () => send('GET', '/api/keys', { headers: { cookie } }).then((r) => JSON.parse(r.body) as { usable: boolean; stored: boolean });
    expect(await keys()).toMatchObject({ stored: true, usable: false });
    const ok = { cookie, 'x-qjournal-csrf': csrf, 'content-type': 'application/json', origin: ui.origin };
    const wrong = await send('POST', '/api/unlock', { headers: ok, body: JSON.stringify({ passphrase: 'wrong' }) });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('wrong passphrase');
    expect((await send('POST', '/api/backups/0/sync', { headers: ok, body: '{}' })).status).toBe(422);
    expect((await send('POST', '/api/unlock', { headers: ok, body: JSON.stringify({ passphrase }) })).status).toBe(200);
    expect(await keys()).toMatchObject({ usable: true });
    expect((await send('POST', '/api/backups/0/sync', { headers: ok, body: '{}' })).status).toBe(200);
    await expect.poll(() => existsSync(path.join(ws.root, 'a.txt')), { timeout: 10_000 }).toBe(true);
  });
});
