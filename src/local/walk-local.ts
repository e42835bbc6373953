import { lstatSync, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import type { LocalFile } from '../core/types.js';
import { STATE_DIR } from './root-paths.js';

export interface WalkResult {
  files: LocalFile[];
  /** Relative paths of things that are neither regular files nor folders (symlinks, sockets…): never synced. */
  skipped: string[];
}


/**
 * Files are stat'ed synchronously, a slice at a time with the event loop free in between (the bucket listing runs
 * meanwhile). One promise per lstat queued ~100k requests on the thread pool, whose completions starved the listing's
 * sockets on a 2-core machine: a no-op sync of 100k keys took 2.1 s instead of 1.3 s, with twice the peak RSS.
 */
const STAT_SLICE = 1000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A file that vanished or cannot be stat'ed since the folder was read is not part of this walk. */
function lstatOrNull(abs: string): Stats | null {
  try {
    return lstatSync(abs, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * Every regular file below `root` (relative `/` paths), except the tool's own `.qjournal/` folder and excluded paths.
 * Symlinks are not followed (a link could point outside the root); they are listed in `skipped`.
 */
export async function walkLocal(root: string, isExcluded: (relPath: string) => boolean = () => false): Promise<WalkResult> {
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  const pending: string[] = [''];
  try {
    await fsp.access(root);
  } catch {
    return { files, skipped };
  }
  while (pending.length > 0) {
    const dirs = pending.splice(0, pending.length);
    await Promise.all(
      dirs.map(async (relDir) => {
        const absDir = relDir === '' ? root : path.join(root, relDir);
        const entries = await fsp.readdir(absDir, { withFileTypes: true });
        const toStat: string[] = [];
        for (const entry of entries) {
          const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
          if (relDir === '' && entry.name === STATE_DIR) continue;
          if (entry.isDirectory()) {
            if (!isExcluded(`${rel}/`)) pending.push(rel);
          } else if (entry.isFile()) {
            if (!isExcluded(rel)) toStat.push(rel);
          } else {
            skipped.push(rel);
          }
        }
        for (let i = 0; i < toStat.length; i++) {
          const st = lstatOrNull(path.join(root, toStat[i]));
          if (st?.isFile()) files.push({ path: toStat[i], size: st.size, mtimeMs: st.mtimeMs });
          if (i % STAT_SLICE === STAT_SLICE - 1) await yieldToEventLoop();
        }
        await yieldToEventLoop();
      }),
    );
  }
  return { files, skipped };
}
