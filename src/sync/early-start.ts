import type { Config } from '../config/config.js';
import type { RemoteObject } from '../core/types.js';
import { observeLock, type HeldLock } from '../journal/lock.js';
import { rootPaths } from '../local/root-paths.js';
import { startWalk, type StartedWalk } from '../local/walk-in-key-order.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { startPrelist, type Prelist } from './prelist.js';

/** The walk and the listing a run may take over from its early start (absent: the run starts its own). */
export interface EarlySides {
  walk?: StartedWalk;
  pages?: AsyncGenerator<RemoteObject[]>;
}

/**
 * The early start of a sync (or status): the local walk begun before the SDK is even loaded, then the bucket listing
 * begun at the access check, both before the run lock is taken. They only read, so they overlap loading the SDK, the
 * access check and opening the journal (~80 ms of a no-op sync of 100k files, on a core that was idle), and the
 * listing's first page is the access check itself (prelist.ts).
 *
 * Files and objects change under the lock, so what was begun is only as good as the lock's state meanwhile: the walk
 * begins only when no run holds the lock, and the two stand only when no run took the lock between that look and this
 * run's own acquisition (the lock's `.last` token is unchanged, see `observeLock`). Otherwise the run walks and lists
 * again under its lock. A dry run or `status`, which take no lock, use them as they would their own.
 *
 * The CLI command starts it and hands it to the run, which decides what of it stands and lets it go at its end (the
 * command closes it too, for when the run is never reached).
 */
export interface EarlyStart {
  /** Begin the listing too; resolves once its first page is in, rejects with its error (wrong keys, no server). */
  list(remote: RemoteStore): Promise<void>;
  /** What a run without the lock uses: everything begun. */
  sides(): EarlySides;
  /** What a run holding `lock` uses: everything begun if no run held the lock since; else nothing (both let go). */
  sidesUnder(lock: HeldLock): Promise<EarlySides | null>;
  /** Let go of the walk and the listing, used or not (idempotent). */
  close(): Promise<void>;
}

/** Begin the walk `config` asks for, or null when a run holds the lock (the sync will refuse to run anyway). */
export async function startEarly(config: Config): Promise<EarlyStart | null> {
  // Unreadable lock state: no head start; the sync itself reports what is wrong with the folder.
  const seen = await observeLock(rootPaths(config.local.root).lockFile).catch(() => null);
  if (seen === null || seen.held) return null;
  const walk = startWalk(config.local.root, config.bucket.prefix, config.sync.exclude);
  let prelist: Prelist | null = null;
  const close = async () => {
    await walk.close();
    await prelist?.close();
  };
  return {
    async list(remote) {
      prelist = await startPrelist(remote, config.bucket.prefix);
    },
    sides: () => ({ walk, pages: prelist?.pages }),
    async sidesUnder(lock) {
      if (lock.previousToken === seen.lastToken) return { walk, pages: prelist?.pages };
      await close();
      return null;
    },
    close,
  };
}
