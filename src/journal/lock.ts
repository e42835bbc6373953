import { randomUUID } from 'node:crypto';
import { promises as fsp, readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { LockedError } from '../errors.js';

/**
 * The run lock: one file whose existence means "a run owns this root and its journal".
 *
 * Taking it: the owner's JSON is written to a private temp file, then hard-linked to the lock path. `link` fails with
 * EEXIST when the lock exists, exactly like `open(O_CREAT | O_EXCL)` (`wx`), but the lock never exists half-written.
 * (Filesystems without hard links fall back to `wx` + write; a reader then treats an unreadable lock as held for a
 * short grace period.)
 *
 * Taking over a stale lock is where the race is: two contenders that both judged lock L stale must not both remove
 * "the lock", or the slower one deletes the fresh lock the faster one just created. So removal happens only under a
 * second, short-lived lock (`<lock>.break`, `wx`), and only when the lock file still holds the very bytes judged stale
 * (every owner writes a random token, so equal bytes mean the same lock). After removing it the breaker competes for
 * the lock like anyone else, through the exclusive create: exactly one contender wins. `release()` takes the same
 * `.break` lock, so an owner releasing (then a new run locking) can't interleave with a breaker's check-then-remove.
 *
 * Every owner also leaves its token in `<lock>.last` (replaced, never removed), so a reader outside the lock can tell
 * whether any run took it since an earlier look (`observeLock`, `HeldLock.previousToken`).
 *
 * Residual risks, accepted: a `.break` file left by a process killed inside its few-millisecond critical section is
 * removed after 10 s, and two contenders doing that at the same instant could both proceed; a dead pid reused by an
 * unrelated process keeps the lock "held" until it is `staleAfterMs` old or the host reboots.
 */

export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Random per acquisition: tells two locks of one process apart (release removes only its own). */
  token: string;
}

export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** The token in `<lock>.last` that this acquisition replaced: the previous owner's, null if none was recorded. */
  readonly previousToken: string | null;
  /** Remove the lock if it is still ours (a stale-lock takeover may have replaced it). Idempotent. */
  release(): Promise<void>;
  /** The same without waiting, for exit and signal handlers; skips the `.break` coordination. */
  releaseSync(): void;
}

export interface AcquireLockOptions {
  /** A lock older than this is stale whoever holds it. Default 24 h. */
  staleAfterMs?: number;
}

export const DEFAULT_STALE_AFTER_MS = 24 * 60 * 60 * 1000;
/** A `.break` file older than this belongs to a contender that died mid-takeover. */
const BREAK_STALE_MS = 10_000;
/** An unreadable lock younger than this may be a `wx` fallback still being written. */
const UNREADABLE_GRACE_MS = 5_000;
/** Allow for clock adjustments around boot when comparing a lock's start with the boot time. */
const BOOT_SLACK_MS = 60_000;
const MAX_ATTEMPTS = 10;
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Take the lock at `lockPath` (its folder must exist), replacing it when stale: the holder was on this host and its
 * pid is gone (or the host rebooted since), or the lock is older than `staleAfterMs`. Otherwise throws `LockedError`
 * naming the holder.
 */
export async function acquireLock(lockPath: string, opts: AcquireLockOptions = {}): Promise<HeldLock> {
  const staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  const content = `${JSON.stringify(owner)}\n`;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createExclusive(lockPath, content)) return heldLock(lockPath, owner, await replaceLastToken(lockPath, owner.token));
    const current = await readLock(lockPath);
    if (current === null) continue; // released in between: try again
    if (staleReason(current, staleAfterMs) === null) throw lockedError(lockPath, current);
    // Stale: remove exactly that file, under `.break`, then compete for the lock again.
    await withBreakLock(lockPath, 1_000, async () => {
      const now = await readLock(lockPath);
      if (now !== null && sameLock(now, current)) await fsp.rm(lockPath, { force: true });
    });
  }
  const last = await readLock(lockPath);
  if (last !== null) throw lockedError(lockPath, last);
  throw new LockedError(`could not take the lock ${lockPath}: other runs kept taking and releasing it`);
}

/** What a reader outside the lock sees of it; see `observeLock`. */
export interface LockObservation {
  /** A run holds the lock now (stale locks, which the next run takes over, don't count). */
  held: boolean;
  /** The token in `<lock>.last`: the last owner's, null if none was recorded. */
  lastToken: string | null;
  /** Who holds it, when `held` (null when its content is not readable). */
  owner?: LockOwner | null;
}

/**
 * Look at the lock without taking it. When a look finds it not held and a later acquisition's `previousToken` equals
 * that look's `lastToken`, no run held the lock at any moment in between (`.last` is read before the lock itself, and
 * every owner writes its token there before it can act).
 */
export async function observeLock(lockPath: string, opts: AcquireLockOptions = {}): Promise<LockObservation> {
  const lastToken = await readLastToken(lockPath);
  const current = await readLock(lockPath);
  const held = current !== null && staleReason(current, opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) === null;
  return held ? { held, lastToken, owner: current.owner } : { held, lastToken };
}

/**
 * Release `lock` if the process ends without `release()`: on exit, and on SIGINT/SIGTERM. On a signal, when no other
 * listener handles it, the signal is raised again after cleanup so the process still dies of it (exit code 130/143).
 * Don't use this if you handle SIGINT yourself for a graceful stop: the lock must outlive the journal writes of the
 * shutdown; release it in your `finally` instead. Returns a function that unregisters the handlers.
 */
export function releaseLockOnExit(lock: HeldLock): () => void {
  const onExit = () => lock.releaseSync();
  const onSignal = (signal: NodeJS.Signals) => {
    lock.releaseSync();
    unregister();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  function unregister(): void {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return unregister;
}

interface LockFile {
  raw: string;
  ino: number;
  mtimeMs: number;
  /** null when the content is not a valid owner record. */
  owner: LockOwner | null;
}

function heldLock(lockPath: string, owner: LockOwner, previousToken: string | null): HeldLock {
  let released = false;
  const isOurs = (raw: string) => parseOwner(raw)?.token === owner.token;
  return {
    path: lockPath,
    owner,
    previousToken,
    async release() {
      if (released) return;
      released = true;
      const removeIfOurs = async () => {
        const current = await readLock(lockPath);
        if (current !== null && isOurs(current.raw)) await fsp.rm(lockPath, { force: true });
      };
      // Coordinate with breakers when possible; never leave our lock behind because `.break` was busy, or could not
      // be created at all (a full disk).
      const coordinated = await withBreakLock(lockPath, 2_000, removeIfOurs).catch(() => false);
      if (!coordinated) await removeIfOurs();
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if (isOurs(readFileSync(lockPath, 'utf8'))) unlinkSync(lockPath);
      } catch {
        // Gone already, or unreadable: not ours to remove.
      }
    },
  };
}

/** Create `lockPath` with `content` unless it exists. */
async function createExclusive(lockPath: string, content: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fsp.writeFile(tmp, content, { flag: 'wx' });
  try {
    await fsp.link(tmp, lockPath);
    return true;
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    if (!LINK_UNSUPPORTED.has(errCode(err) ?? '')) throw err;
    try {
      await fsp.writeFile(lockPath, content, { flag: 'wx' });
      return true;
    } catch (err2) {
      if (errCode(err2) === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * Just after taking the lock: write our token to `<lock>.last` (atomically: temp file and rename) and return the one
 * it replaces. Should that fail, the lock is let go and the error thrown: an acquisition that left no trace would let
 * a walk started before it pass for current (`observeLock`).
 */
async function replaceLastToken(lockPath: string, token: string): Promise<string | null> {
  try {
    const previous = await readLastToken(lockPath);
    const tmp = `${lockPath}.last.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await fsp.writeFile(tmp, `${token}\n`, { flag: 'wx' });
    await fsp.rename(tmp, `${lockPath}.last`).catch(async (err: unknown) => {
      await fsp.rm(tmp, { force: true });
      throw err;
    });
    return previous;
  } catch (err) {
    await fsp.rm(lockPath, { force: true });
    throw err;
  }
}

async function readLastToken(lockPath: string): Promise<string | null> {
  try {
    return (await fsp.readFile(`${lockPath}.last`, 'utf8')).trim() || null;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Run `fn` while holding `<lockPath>.break`, waiting up to `waitMs` for it. Returns false (without running `fn`) when
 * it stayed busy.
 */
async function withBreakLock(lockPath: string, waitMs: number, fn: () => Promise<void>): Promise<boolean> {
  const breakPath = `${lockPath}.break`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await fsp.writeFile(breakPath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    const st = await fsp.stat(breakPath).catch(() => null);
    if (st !== null && Date.now() - st.mtimeMs > BREAK_STALE_MS) {
      await fsp.rm(breakPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) return false;
    await sleep(5 + Math.random() * 20);
  }
  try {
    await fn();
    return true;
  } finally {
    await fsp.rm(breakPath, { force: true });
  }
}

/** The lock file's bytes and identity, or null when there is none. */
async function readLock(lockPath: string): Promise<LockFile | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(lockPath, 'r');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = await fh.stat();
    const raw = await fh.readFile('utf8');
    return { raw, ino: st.ino, mtimeMs: st.mtimeMs, owner: parseOwner(raw) };
  } finally {
    await fh.close();
  }
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const v = JSON.parse(raw) as Partial<LockOwner>;
    const valid =
      Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.hostname === 'string' && typeof v.startedAt === 'string';
    return valid ? { pid: v.pid!, hostname: v.hostname!, startedAt: v.startedAt!, token: typeof v.token === 'string' ? v.token : '' } : null;
  } catch {
    return null;
  }
}

function sameLock(a: LockFile, b: LockFile): boolean {
  return a.raw === b.raw && a.ino === b.ino;
}

/** Why the lock may be taken over, or null while it is held. */
function staleReason(lock: LockFile, staleAfterMs: number): string | null {
  const now = Date.now();
  const { owner } = lock;
  if (owner === null) return now - lock.mtimeMs > UNREADABLE_GRACE_MS ? 'unreadable lock file' : null;
  const started = Date.parse(owner.startedAt);
  const startedMs = Number.isNaN(started) ? lock.mtimeMs : started;
  if (owner.hostname === os.hostname()) {
    if (!isAlive(owner.pid)) return `process ${owner.pid} is no longer running`;
    const bootedAt = now - os.uptime() * 1000;
    if (startedMs < bootedAt - BOOT_SLACK_MS) return 'the host restarted since';
  }
  if (now - startedMs > staleAfterMs) return `older than ${Math.round(staleAfterMs / 60_000)} min`;
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user.
    return errCode(err) !== 'ESRCH';
  }
}

function lockedError(lockPath: string, lock: LockFile): LockedError {
  const o = lock.owner;
  const holder = o ? `pid ${o.pid} on ${o.hostname}, started ${o.startedAt}` : 'an unreadable lock file (being written?)';
  return new LockedError(
    `another qjournal run holds the lock ${lockPath} (${holder}). Wait for it to finish; if no such run exists, delete the lock file.`,
  );
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
