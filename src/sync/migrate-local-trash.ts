import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { decodePathToKey } from '../core/keys.js';
import type { Journal } from '../journal/journal.js';
import { hashFile } from '../local/hash-file.js';
import type { RootPaths } from '../local/root-paths.js';
import type { VersionStore } from '../local/version-store.js';
import type { Logger } from '../log/logger.js';

/**
 * Older qjournal moved removed files to `.qjournal/trash/<stamp>/<path>`. Each becomes a version with origin "deleted"
 * in the store (ended at its stamp), and the trash folder goes. Costs one failed readdir when there is no trash.
 * Each file's row is written after its bytes are in the store: an interrupted migration leaves at worst a store file
 * nobody lists, never a version whose bytes are missing; the next run goes on with what is left.
 */
export async function migrateLocalTrash(deps: { paths: RootPaths; journal: Journal; store: VersionStore; prefix: string; runId: number; logger: Logger }): Promise<number> {
  const stamps = await fsp.readdir(deps.paths.trashDir).catch(() => null);
  if (stamps === null) return 0;
  let moved = 0;
  for (const stamp of stamps.sort()) {
    const at = stampTime(stamp) ?? Date.now();
    const stampDir = path.join(deps.paths.trashDir, stamp);
    for (const rel of await filesBelow(stampDir)) {
      const abs = path.join(stampDir, ...rel.split('/'));
      const decoded = decodePathToKey(rel, deps.prefix);
      const key = typeof decoded === 'string' ? decoded : deps.prefix + rel;
      const st = await fsp.stat(abs);
      const hash = await hashFile(abs);
      await deps.store.keepFile(abs, hash);
      await deps.journal.keepVersion({
        key,
        hash,
        fsize: st.size,
        putTime: Math.round(st.mtimeMs * 1e4),
        sinceAt: at,
        sinceRun: 0,
        untilAt: at,
        untilRun: deps.runId,
        origin: 'deleted',
        location: 'store',
        trashKey: null,
      });
      moved++;
    }
  }
  await fsp.rm(deps.paths.trashDir, { recursive: true, force: true });
  if (moved > 0) deps.logger.info(`Moved ${moved} file(s) from the old local trash into the version store`);
  return moved;
}

/** Regular files below `dir`, as `/`-separated paths relative to it. */
async function filesBelow(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesBelow(dir, child)));
    else if (e.isFile()) out.push(child);
  }
  return out;
}

/** `YYYYMMDD-HHMMSS` (UTC) → Unix ms. */
function stampTime(stamp: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : null;
}
