import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Credentials } from '../config/config.js';
import { credentialsPath, saveCredentials } from '../config/credentials.js';
import { readConfigValues, setConfigValues, type ConfigChange } from '../config/edit-config-text.js';
import { configTemplate } from '../config/init-template.js';
import { CONFIG_KEYS, CONFLICT_POLICIES, DELETE_POLICIES, DIRECTIONS, LOG_LEVELS, parseConfig } from '../config/parse-config.js';
import { nextWeeklyRun } from '../core/installed-schedule.js';
import { parseWeeklyTime, type WeeklyTime } from '../core/schedule.js';
import type { Plan, PlanItem } from '../core/types.js';
import { countStates } from '../core/count-states.js';
import { ConfigError } from '../errors.js';
import { openJournal } from '../journal/open-journal.js';
import { versionSummary } from '../sync/versions.js';
import { installWeeklySync, removeWeeklySync, scheduledWeeklySync, weeklySyncTarget } from '../sync/crontab.js';
import type { BackupSlot } from './backup-slot.js';
import { listFolder } from './browse-listing.js';
import { HttpError } from './http-error.js';

export interface ApiContext {
  slots: BackupSlot[];
  env: Record<string, string | undefined>;
  credentials(): Promise<Credentials>;
  setPassphrase(passphrase: string): void;
  addSlot(file: string): BackupSlot;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(req: { params: Record<string, string>; query: Record<string, string>; body: unknown }): Promise<unknown>;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The JSON API. Every handler is a thin adapter over an engine function; no decision is made here. */
export function apiRoutes(ctx: ApiContext): ApiRoute[] {
  const slotOf = (params: Record<string, string>) => {
    const slot = ctx.slots[Number(params.id)];
    if (!slot || !/^\d+$/.test(params.id)) throw new HttpError(404, 'No such backup');
    return slot;
  };
  const bodyOf = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'Expected a JSON object');
    return body as Record<string, unknown>;
  };
  const text = (v: unknown, name: string): string => {
    if (typeof v !== 'string') throw new HttpError(400, `${name} must be a string`);
    return v;
  };

  return [
    { method: 'GET', path: '/api/backups', handle: async () => ({ backups: await Promise.all(ctx.slots.map(overview)), keys: await keysState(ctx) }) },
    {
      method: 'POST',
      path: '/api/backups',
      handle: async ({ body }) => {
        const b = bodyOf(body);
        const raw = text(b.file, 'file').trim();
        if (!raw) throw new HttpError(400, 'Give the config file a name, e.g. photos.ini');
        const file = path.resolve(raw);
        if (ctx.slots.some((s) => s.file === file)) throw new HttpError(409, `${file} is on the dashboard already`);
        const exists = await fsp.stat(file).then(() => true, () => false);
        if (!exists) {
          await fsp.mkdir(path.dirname(file), { recursive: true });
          const opt = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
          await fsp.writeFile(file, configTemplate({ bucket: opt(b.bucket), domain: opt(b.domain), root: opt(b.root) }), { flag: 'wx' });
        }
        const slot = ctx.addSlot(file);
        return { backup: await overview(slot), created: !exists };
      },
    },
    {
      method: 'GET',
      path: '/api/backups/:id/status',
      handle: async ({ params }) => {
        const { plan, lastRun } = await slotOf(params).status();
        return { ...planView(plan), lastRun };
      },
    },
    { method: 'GET', path: '/api/backups/:id/plan', handle: async ({ params }) => planView(await slotOf(params).plan()) },
    { method: 'POST', path: '/api/backups/:id/sync', handle: async ({ params }) => ({ job: await slotOf(params).startSync() }) },
    {
      method: 'POST',
      path: '/api/backups/:id/restore',
      handle: async ({ params, body }) => {
        const b = bodyOf(body);
        const to = b.to === undefined || b.to === '' ? undefined : text(b.to, 'to');
        if (to !== undefined && !path.isAbsolute(to)) throw new HttpError(400, 'The folder to restore into must be a full path, e.g. /home/me/restored');
        if (to !== undefined && (await fsp.readdir(to).then((e) => e.length > 0, () => false))) {
          throw new HttpError(400, `${to} is not empty: choose a new or empty folder (nothing is ever overwritten there)`);
        }
        return { job: await slotOf(params).startRestore({ path: text(b.path, 'path'), folder: b.folder === true, to }) };
      },
    },
    {
      method: 'GET',
      path: '/api/backups/:id/versions',
      handle: async ({ params, query }) => ({ key: query.key ?? '', versions: await slotOf(params).versions(text(query.key, 'key')) }),
    },
    {
      method: 'POST',
      path: '/api/backups/:id/restore-version',
      handle: async ({ params, body }) => {
        const b = bodyOf(body);
        const to = b.to === undefined || b.to === '' ? undefined : text(b.to, 'to');
        if (to !== undefined && !path.isAbsolute(to)) throw new HttpError(400, 'The copy needs a full path, e.g. /home/me/old-copy.jpg');
        return { job: await slotOf(params).startRestoreVersion({ key: text(b.key, 'key'), hash: text(b.hash, 'hash'), to }) };
      },
    },
    {
      method: 'POST',
      path: '/api/backups/:id/restore-at',
      handle: async ({ params, body }) => {
        const b = bodyOf(body);
        const to = text(b.to, 'to').trim();
        if (!path.isAbsolute(to)) throw new HttpError(400, 'The folder to restore into must be a full path, e.g. /home/me/as-of-march');
        const folder = (typeof b.folder === 'string' ? b.folder : '').replace(/^\/+|\/+$/g, '');
        return { job: await slotOf(params).startRestoreAt({ at: text(b.at, 'at'), folder, to }) };
      },
    },
    { method: 'GET', path: '/api/backups/:id/runs', handle: async ({ params }) => ({ runs: await slotOf(params).runs(50) }) },
    {
      method: 'GET',
      path: '/api/backups/:id/browse',
      handle: async ({ params, query }) => {
        const { files, plan } = await slotOf(params).files();
        return listFolder(files, plan, (query.folder ?? '').replace(/^\/+|\/+$/g, ''));
      },
    },
    {
      method: 'GET',
      path: '/api/backups/:id/settings',
      handle: async ({ params }) => {
        const slot = slotOf(params);
        const content = await fsp.readFile(slot.file, 'utf8');
        const parsed = parseConfig(content, slot.file, ctx.env);
        return {
          file: slot.file,
          sections: CONFIG_KEYS,
          choices: { 'sync.direction': DIRECTIONS, 'sync.deletes': DELETE_POLICIES, 'sync.conflict': CONFLICT_POLICIES, 'log.level': LOG_LEVELS, 'bucket.private': ['false', 'true'] },
          values: readConfigValues(content),
          problems: parsed.errors.map((p) => ({ section: p.section, key: p.key, message: p.message })),
          warnings: parsed.warnings,
        };
      },
    },
    {
      method: 'POST',
      path: '/api/backups/:id/settings',
      handle: async ({ params, body }) => {
        const slot = slotOf(params);
        const values = bodyOf(bodyOf(body).values);
        const content = await fsp.readFile(slot.file, 'utf8');
        const current = readConfigValues(content);
        const changes: ConfigChange[] = [];
        for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
          const given = values[section];
          if (given === undefined) continue;
          const sectionValues = bodyOf(given);
          for (const key of keys as readonly string[]) {
            if (sectionValues[key] === undefined) continue;
            const value = text(sectionValues[key], `${section}.${key}`).trim();
            if (value !== (current[section]?.[key] ?? '').trim()) changes.push({ section, key, value });
          }
        }
        if (changes.length === 0) return { saved: false, warnings: [] };
        const next = setConfigValues(content, changes);
        // The CLI's own parser and messages; an invalid form never reaches the file.
        const parsed = parseConfig(next, slot.file, ctx.env);
        if (!parsed.config) {
          throw new HttpError(422, new ConfigError(parsed.errors).message, {
            problems: parsed.errors.map((p) => ({ section: p.section, key: p.key, message: p.message })),
          });
        }
        await writeAtomically(slot.file, next);
        return { saved: true, warnings: parsed.warnings };
      },
    },
    {
      method: 'POST',
      path: '/api/backups/:id/schedule',
      handle: async ({ params, body }) => {
        const slot = slotOf(params);
        const b = bodyOf(body);
        if (b.remove === true) return { removed: removeWeeklySync(slot.file) };
        const when = parseWeeklyTime(text(b.when, 'when'));
        if (!when) throw new HttpError(400, `The time must look like "Sun 03:00" (got ${JSON.stringify(b.when)})`);
        const { config } = await slot.loadConfig();
        return { line: installWeeklySync(weeklySyncTarget(slot.file, config.credentials.profile), when) };
      },
    },
    { method: 'GET', path: '/api/keys', handle: async () => keysState(ctx) },
    {
      method: 'POST',
      path: '/api/keys',
      handle: async ({ body }) => {
        const b = bodyOf(body);
        const passphrase = text(b.passphrase, 'passphrase');
        await saveCredentials(credentialsPath(ctx.env), { accessKey: text(b.accessKey, 'accessKey').trim(), secretKey: text(b.secretKey, 'secretKey').trim() }, passphrase);
        ctx.setPassphrase(passphrase);
        return keysState(ctx);
      },
    },
    {
      method: 'POST',
      path: '/api/unlock',
      handle: async ({ body }) => {
        const passphrase = text(bodyOf(body).passphrase, 'passphrase');
        const { resolveCredentials } = await import('../config/credentials.js');
        await resolveCredentials({ env: { ...ctx.env, QINIU_ACCESS_KEY: '', QINIU_SECRET_KEY: '', QJOURNAL_PASSPHRASE: passphrase }, isTTY: false });
        ctx.setPassphrase(passphrase);
        return keysState(ctx);
      },
    },
  ];

  /** The overview card: everything read-only and quick (no listing); the drift comes from the status call. */
  async function overview(slot: BackupSlot) {
    const base = { id: slot.id, file: slot.file };
    let loaded;
    try {
      loaded = await slot.loadConfig();
    } catch (err) {
      return { ...base, problem: err instanceof Error ? err.message : String(err) };
    }
    const { config, warnings } = loaded;
    const journal = await openJournal(config.journal.path, { readonly: true });
    let runs;
    let versions;
    try {
      runs = await journal.listRuns(20);
      versions = await versionSummary(journal);
    } finally {
      await journal.close();
    }
    const lastRun = runs[0] ?? null;
    const lastBackup = runs.find((r) => r.command === 'sync' && r.outcome !== 'running' && r.outcome !== 'interrupted' && r.outcome !== 'failed' && r.outcome !== 'aborted') ?? null;
    const alerts: string[] = [...warnings];
    if (lastRun?.outcome === 'aborted') alerts.push(`The last run stopped for safety and changed nothing: ${lastRun.message ?? ''}`);
    if (lastRun?.outcome === 'failed') alerts.push(`The last run failed: ${lastRun.message ?? ''}`);
    if (lastRun && lastRun.failed > 0) alerts.push(`${lastRun.failed} file(s) could not be copied in the last run (see History).`);
    if (lastRun?.outcome === 'conflicts') alerts.push('The last run left conflicts: a file changed on both sides (see History).');
    const when = scheduledWeeklySync(slot.file);
    return {
      ...base,
      bucket: config.bucket.name,
      prefix: config.bucket.prefix,
      root: config.local.root,
      direction: config.sync.direction,
      deletes: config.sync.deletes,
      lastRun,
      lastBackup,
      running: await slot.running(),
      job: slot.job,
      schedule: when ? { when: weeklyText(when), next: nextWeeklyRun(when, new Date()).getTime() } : null,
      versions,
      alerts,
    };
  }
}

async function keysState(ctx: ApiContext) {
  const file = credentialsPath(ctx.env);
  const stored = await fsp.stat(file).then(() => true, () => false);
  const fromEnvironment = Boolean(ctx.env.QINIU_ACCESS_KEY?.trim() && ctx.env.QINIU_SECRET_KEY?.trim());
  // Whether the engine can get keys now; the keys themselves never leave this process.
  const usable = await ctx.credentials().then(
    () => ({ ok: true, problem: null }),
    (err: unknown) => ({ ok: false, problem: err instanceof Error ? err.message : String(err) }),
  );
  return { file, stored, fromEnvironment, usable: usable.ok, problem: usable.problem };
}

function weeklyText(w: WeeklyTime): string {
  return `${DAYS[w.weekday]} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** A plan for the page: counts of every state, and the items that are not in sync with their sizes. */
function planView(plan: Plan) {
  return {
    counts: countStates(plan),
    items: plan.items.filter((i) => i.state !== 'in-sync').map(itemView),
  };
}

function itemView(item: PlanItem) {
  const a = item.action;
  const size = !a ? null : 'remote' in a ? a.remote.fsize : 'local' in a ? a.local.size : null;
  return {
    key: item.key,
    path: item.path,
    state: item.state,
    action: a?.kind ?? null,
    from: a && 'fromPath' in a ? a.fromPath : a && 'fromKey' in a ? a.fromKey : null,
    size,
    note: item.note ?? null,
  };
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const mode = (await fsp.stat(file)).mode & 0o777;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(tmp, content, { mode, flag: 'wx' });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
