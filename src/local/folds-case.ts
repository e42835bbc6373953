import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { STATE_DIR } from './root-paths.js';

/**
 * Does the file system holding `root` fold case (macOS and Windows defaults, but also an exFAT, FAT or NTFS drive on
 * Linux — a common backup disk)? Answered read-only, so `status` and `--dry-run` stay write-free: a name on that file
 * system is looked up with the case of its letters swapped, and the same inode back means yes. Asked, in order:
 * - the root's `.qjournal/` folder (a sync creates it before planning, so a real run always has it);
 * - the root's own name, unless the root is a mount point (its name then lives on the parent's file system).
 * With neither (a fresh root, named without letters or mounted), the platform's default decides.
 */
export async function foldsCase(root: string): Promise<boolean> {
  const real = await fsp.realpath(root).catch(() => null);
  if (real !== null) {
    const stateDir = await answer(path.join(real, STATE_DIR));
    if (stateDir !== null) return stateDir;
    const [self, parent] = await Promise.all([fsp.stat(real), fsp.stat(path.dirname(real))]);
    if (self.dev === parent.dev) {
      const name = await answer(real);
      if (name !== null) return name;
    }
  }
  return process.platform === 'darwin' || process.platform === 'win32';
}

/** null when `p` does not exist or has no letter whose case could be swapped. */
async function answer(p: string): Promise<boolean | null> {
  const name = path.basename(p);
  const swappedName = [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  if (swappedName === name) return null;
  const original = await fsp.stat(p).catch(() => null);
  if (!original) return null;
  const other = await fsp.stat(path.join(path.dirname(p), swappedName)).catch(() => null);
  return other !== null && other.ino === original.ino && other.dev === original.dev;
}
