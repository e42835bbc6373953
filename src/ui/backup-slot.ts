import path from 'node:path';
import type { Config, Credentials } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import type { Plan } from '../core/types.js';
import { LockedError } from '../errors.js';
import type { RunCounts, RunRecord } from '../journal/journal.js';
import { observeLock } from '../journal/lock.js';
import { openJournal } from '../journal/open-journal.js';
import { rootPaths } from '../local/root-paths.js';
import { createLogger } from '../log/create-logger.js';
import type { Logger } from '../log/logger.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { VersionStore } from '../local/version-store.js';
import { restoreKey, type RestoreResult } from '../sync/restore-key.js';
import { restoreKeyVersion, restoreTreeAt, withRestoreRun } from '../sync/restore-version.js';
import { listKeyVersions, resolveTime } from '../sync/versions.js';
import { computeStatus, runSync } from '../sync/run-sync.js';
import { backedUpFiles, filesUnder, type BrowseFile } from './browse-listing.js';
import { createRunProgress, type ProgressSnapshot } from './run-progress.js';

type RunProgress = ReturnType<typeof createRunProgress>;

export interface LogLine {
  at: number;
  level: string;
  message: string;
}

/** A sync or restore the dashboard started, as the page sees it. */
export interface JobView {
  id: number;
  kind: 'sync' | 'restore';
  title: string;
  startedAt: number;
  finishedAt: number | null;
  progress: ProgressSnapshot;
  log: LogLine[];
  outcome: null | { ok: boolean; message: string; counts?: RunCounts; outcome?: string };
}

export interface SlotDeps {
  /** The credentials for engine calls (environment, or the encrypted file unlocked with the page's passphrase). */
  credentials(): Promise<Credentials>;
  /** Strings never to log (the passphrase). */
  secrets(): string[];
  /** Tell every open page. */
  broadcast(event: string, data: unknown): void;
}

interface Engine {
  config: Config;
  remote: RemoteStore;
  logger: Logger;
}

const MAX_LOG_LINES = 500;
/** Progress reaches the pages at most this often. */
const PUSH_EVERY_MS = 200;
/** Restoring a folder in place puts back the files missing on one side; restoreKey decides how. */
const MISSING_STATES = new Set(['local-deleted', 'remote-deleted', 'new-remote']);

let nextJobId = 1;

/**
 * One config file on the dashboard: its engine calls (the same functions as the CLI's commands) and the job it runs.
 * Only one job at a time per config; the run lock refuses runs started elsewhere meanwhile.
 */
export class BackupSlot {
  job: JobView | null = null;
  private jobRunning = false;
  /** The last status plan, for Browse (dropped when a job ends). */
  private lastStatus: { plan: Plan; lastRun: RunRecord | null } | null = null;

  constructor(
    readonly id: number,
    readonly file: string,
    private readonly deps: SlotDeps,
  ) {}

  loadConfig() {
    return loadConfig(this.file);
  }

  /** A run holds the lock: this page's job, or one started from the terminal or the schedule. */
  async running(): Promise<boolean> {
    if (this.jobRunning) return true;
    const { config } = await this.loadConfig();
    return (await observeLock(rootPaths(config.local.root).lockFile)).held;
  }

  async runs(limit: number) {
    const { config } = await this.loadConfig();
    const journal = await openJournal(config.journal.path, { readonly: true });
    try {
      const runs = await journal.listRuns(limit);
      return await Promise.all(runs.map(async (run) => ({ ...run, events: (await journal.listEvents(run.id)).slice(-200) })));
    } finally {
      await journal.close();
    }
  }

  async status(): Promise<{ plan: Plan; lastRun: RunRecord | null }> {
    this.lastStatus = await this.withEngine(null, ({ config, remote, logger }) => computeStatus({ config, remote, logger, early: null }));
    return this.lastStatus;
  }

  /** What a dry run would do (nothing is written). */
  async plan(): Promise<Plan> {
    const outcome = await this.withEngine(null, ({ config, remote, logger }) => runSync({ config, remote, logger, dryRun: true }));
    return outcome.plan;
  }

  /** Every file the journal or the last status knows (status computed first when there is none). */
  async files(): Promise<{ files: BrowseFile[]; plan: Plan }> {
    const { plan } = this.lastStatus ?? (await this.status());
    const { config } = await this.loadConfig();
    const journal = await openJournal(config.journal.path, { readonly: true });
    try {
      return { files: backedUpFiles(await journal.loadEntries(), plan), plan };
    } finally {
      await journal.close();
    }
  }

  /** Start `sync` in the background; the page follows it through the events. */
  async startSync(): Promise<JobView> {
    return this.startJob('sync', 'Backing up', async (job, engine, progress) => {
      const outcome = await runSync({ ...engine, dryRun: false, onEvent: progress.onEvent });
      const c = outcome.counts;
      job.outcome = {
        ok: outcome.outcome === 'ok',
        outcome: outcome.outcome,
        counts: c,
        message:
          outcome.outcome === 'ok'
            ? 'Finished: everything is backed up.'
            : outcome.outcome === 'partial'
              ? `Finished with problems: ${c.failed} file(s) failed (see the log).`
              : `Finished: ${outcome.unresolvedConflicts} conflict(s) need you to choose which copy to keep.`,
      };
    });
  }

  /**
   * Put back a file, or the missing files of a folder, where they belong; or, with `to`, copies of them (current
   * versions) below a folder of the user's choice. Each file goes through restoreKey, like `qjournal restore`.
   */
  async startRestore(request: { path: string; folder: boolean; to?: string }): Promise<JobView> {
    const { files } = await this.files();
    const chosen = request.folder ? filesUnder(files, request.path) : files.filter((f) => f.path === request.path);
    const todo = request.to || !request.folder ? chosen : chosen.filter((f) => MISSING_STATES.has(f.state));
    const base = request.folder ? request.path : path.posix.dirname(request.path) === '.' ? '' : path.posix.dirname(request.path);
    const to = request.to ? path.resolve(request.to) : undefined;
    const title = `Restoring ${request.path || 'everything'}${to ? ` into ${to}` : ''}`;
    return this.startJob('restore', title, async (job, engine, progress) => {
      progress.setTotals(todo.length, todo.reduce((n, f) => n + f.size, 0));
      const results: RestoreResult[] = [];
      let failed = 0;
      for (const f of todo) {
        const target = to ? path.join(to, ...f.path.slice(base ? base.length + 1 : 0).split('/')) : undefined;
        try {
          results.push(await restoreKey({ ...engine, key: f.key, to: target }));
        } catch (err) {
          failed++;
          engine.logger.error(`${f.path}: ${err instanceof Error ? err.message : String(err)}`);
          if (err instanceof LockedError) break;
        }
        progress.fileDone(f.size);
      }
      const restored = results.filter((r) => r.kind !== 'present').length;
      job.outcome = {
        ok: failed === 0,
        message:
          todo.length === 0
            ? 'Nothing to restore: every file in it is already in place.'
            : `Restored ${restored} file(s)${failed ? `; ${failed} failed (see the log)` : ''}${to ? ` into ${to}` : ''}.`,
      };
    });
  }

  /** Every known version of a key (`qjournal versions`), from the journal and the local store; read-only. */
  async versions(key: string) {
    const { config } = await this.loadConfig();
    const journal = await openJournal(config.journal.path, { readonly: true });
    try {
      return await listKeyVersions({ journal, store: new VersionStore(rootPaths(config.local.root).storeDir) }, key);
    } finally {
      await journal.close();
    }
  }

  /** `restore <key> --version H [--to PATH]`: that version, verified, in place (the file it replaces is kept) or at `to`. */
  async startRestoreVersion(request: { key: string; hash: string; to?: string }): Promise<JobView> {
    const to = request.to ? path.resolve(request.to) : undefined;
    return this.startJob('restore', `Restoring a version of ${request.key}${to ? ` to ${to}` : ''}`, async (job, engine, progress) => {
      progress.setTotals(1, 0);
      const result = await withRestoreRun(engine, (deps) => restoreKeyVersion(deps, request.key, { hash: request.hash }, to));
      progress.fileDone(0);
      job.outcome = {
        ok: true,
        message: result.kind === 'present' ? `${result.to} already holds that version: nothing to do.` : `Restored that version of ${request.key} to ${result.to}.`,
      };
    });
  }

  /**
   * `restore --at T [--prefix P] --to DIR`: the folder (or everything) exactly as it was at T, into a new or empty
   * folder, laid out as in the backup root. The time is read like the CLI reads it (its messages too) before anything
   * starts.
   */
  async startRestoreAt(request: { at: string; folder: string; to: string }): Promise<JobView> {
    const { config } = await this.loadConfig();
    const journal = await openJournal(config.journal.path, { readonly: true });
    let at: number;
    try {
      at = await resolveTime(journal, request.at);
    } finally {
      await journal.close();
    }
    const to = path.resolve(request.to);
    const prefix = request.folder === '' ? undefined : `${request.folder}/`;
    const when = new Date(at).toLocaleString();
    return this.startJob('restore', `Restoring ${request.folder || 'everything'} as of ${when} into ${to}`, async (job, engine, progress) => {
      const result = await withRestoreRun(
        engine,
        (deps) =>
          restoreTreeAt(deps, {
            at,
            prefix,
            to,
            concurrency: engine.config.sync.concurrency,
            onEvent: (e) => (e.type === 'start' ? progress.setTotals(e.files, e.bytes) : progress.fileDone(e.bytes)),
          }),
        (r) => ({ outcome: r.missing.length > 0 ? 'partial' : 'ok', counts: { downloaded: r.restored, failed: r.missing.length } }),
      );
      for (const m of result.missing) engine.logger.error(`${m.key}: the bytes of the version current then are gone`);
      job.outcome = {
        ok: result.missing.length === 0,
        message:
          `Restored ${result.restored} file(s) as they were on ${when} into ${to}` +
          (result.missing.length ? `; ${result.missing.length} could not be restored (their old bytes are gone, see the log).` : '.'),
      };
    });
  }

  private async startJob(
    kind: JobView['kind'],
    title: string,
    work: (job: JobView, engine: Engine, progress: RunProgress) => Promise<void>,
  ): Promise<JobView> {
    if (await this.running()) throw new LockedError('a backup or restore of this folder is running already (started here, from the terminal or by the schedule)');
    // Missing or locked keys are the page's to fix: say so now rather than as a failed job.
    await this.deps.credentials();
    const progress = createRunProgress();
    const job: JobView = { id: nextJobId++, kind, title, startedAt: Date.now(), finishedAt: null, progress: progress.snapshot(), log: [], outcome: null };
    this.job = job;
    this.jobRunning = true;
    let lastPush = 0;
    const pushSoon = (force: boolean) => {
      if (!force && Date.now() - lastPush < PUSH_EVERY_MS) return;
      lastPush = Date.now();
      job.progress = progress.snapshot();
      this.deps.broadcast('job', { backup: this.id, job });
    };
    const onLog = (level: string, message: string) => {
      job.log.push({ at: Date.now(), level, message });
      if (job.log.length > MAX_LOG_LINES) job.log.shift();
      pushSoon(true);
    };
    const tracked: RunProgress = {
      ...progress,
      onEvent(e) {
        progress.onEvent(e);
        pushSoon(e.type !== 'bytes');
      },
      fileDone(n) {
        progress.fileDone(n);
        pushSoon(true);
      },
    };
    pushSoon(true);
    void this.withEngine(onLog, (engine) => work(job, engine, tracked))
      .catch((err: unknown) => {
        job.outcome = { ok: false, message: err instanceof Error ? err.message : String(err) };
      })
      .finally(() => {
        job.finishedAt = Date.now();
        this.jobRunning = false;
        this.lastStatus = null;
        pushSoon(true);
        this.deps.broadcast('changed', { backup: this.id });
      });
    return job;
  }

  /** Config → credentials → logger → remote, like the CLI's context; log lines go to `onLog` and `[log] file`. */
  private async withEngine<T>(onLog: ((level: string, message: string) => void) | null, fn: (engine: Engine) => Promise<T>): Promise<T> {
    const { config, warnings } = await this.loadConfig();
    const credentials = await this.deps.credentials();
    const logger = createLogger({
      level: config.log.level,
      console: null,
      file: config.log.file,
      secrets: [credentials.secretKey, ...this.deps.secrets()],
      onEvent: onLog ?? undefined,
    });
    for (const warning of warnings) logger.warn(warning);
    const { QiniuStore } = await import('../remote/qiniu-store.js');
    const { resolveHosts } = await import('../sync/resolve-region.js');
    let remote: InstanceType<typeof QiniuStore> | undefined;
    let resolved: Awaited<ReturnType<typeof resolveHosts>> | undefined;
    try {
      resolved = await resolveHosts(config, credentials);
      if (resolved.warning) logger.warn(resolved.warning);
      remote = new QiniuStore(config.bucket, resolved.hosts, credentials, { bwlimit: config.sync.bwlimit });
      return await fn({ config, remote, logger });
    } finally {
      resolved?.remember();
      remote?.close();
      await logger.close();
    }
  }
}
