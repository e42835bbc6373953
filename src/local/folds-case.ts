import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { STATE_DIR } from './root-paths.js';

/**
 * Does the file system holding `root` fold case (macOS and Windows defaults, but also an exFAT, FAT or NTFS drive on
 * Linux — a common backup disk)? Answered read-only, so `status` and `--dry-run` stay write-free: look up the root's
 * own name, or its `.qjournal/` folder, with the case of its letters swapped; the same inode back means yes.
 * When nothing there has a letter to swap (a fresh root named without letters), the platform's default decides.
 */
export async function foldsCase(root: string): Promise<boolean> {
  const abs = path.resolve(root);
  for (const probe of [abs, path.join(abs, STATE_DIR)]) {
    const swapped = swapLastSegmentCase(probe);
    if (swapped === null) continue;
    const original = await fsp.stat(probe).catch(() => null);
    if (!original) continue;
    const other = await fsp.stat(swapped).catch(() => null);
    return other !== null && other.ino === original.ino && other.dev === original.dev;
  }
  return process.platform === 'darwin' || process.platform === 'win32';
}

function swapLastSegmentCase(p: string): string | null {
  const name = path.basename(p);
  const swapped = [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  return swapped === name ? null : path.join(path.dirname(p), swapped);
}
