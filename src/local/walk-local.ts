import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { LocalFile } from '../core/types.js';
import { STATE_DIR } from './root-paths.js';

export interface WalkResult {
  files: LocalFile[];
  /** Relative paths of things that are neither regular files nor folders (symlinks, sockets…): never synced. */
  skipped: string[];
}

const STAT_BATCH = 256;

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
        for (let i = 0; i < toStat.length; i += STAT_BATCH) {
          const batch = toStat.slice(i, i + STAT_BATCH);
          const stats = await Promise.all(batch.map((rel) => fsp.lstat(path.join(root, rel)).catch(() => null)));
          stats.forEach((st, j) => {
            if (st?.isFile()) files.push({ path: batch[j], size: st.size, mtimeMs: st.mtimeMs });
          });
        }
      }),
    );
  }
  return { files, skipped };
}
