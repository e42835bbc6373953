import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { RootPaths } from './root-paths.js';

/** `YYYYMMDD-HHMMSS` in UTC: the trash folder of one run. */
export function trashStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** The newest trashed copy of `relPath`, if any (trash folders sort by their UTC stamp). */
export async function findInTrash(paths: RootPaths, relPath: string): Promise<string | null> {
  const stamps = await fsp.readdir(paths.trashDir).catch(() => [] as string[]);
  for (const stamp of stamps.sort().reverse()) {
    const candidate = path.join(paths.trashDir, stamp, ...relPath.split('/'));
    const st = await fsp.lstat(candidate).catch(() => null);
    if (st?.isFile()) return candidate;
  }
  return null;
}
