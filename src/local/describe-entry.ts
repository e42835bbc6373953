import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { LocalProblem } from '../core/local-problems.js';

/**
 * What a symlink or special file found by the walk is, in words, for the report (met rarely: the extra syscalls cost
 * nothing on the walk's path).
 */
export function describeNonFile(root: string, rel: string, isSymlink: boolean): LocalProblem {
  const abs = path.join(root, rel);
  if (!isSymlink) {
    let what = 'not a regular file';
    try {
      const st = lstatSync(abs);
      what = st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : st.isBlockDevice() || st.isCharacterDevice() ? 'a device' : what;
    } catch {
      // gone meanwhile: still reported as what the walk saw
    }
    return { path: rel, kind: 'special', detail: `${what}: not backed up` };
  }
  let target = '?';
  try {
    target = readlinkSync(abs);
  } catch {
    // unreadable link: report it without its target
  }
  let where: string;
  try {
    const real = realpathSync(abs);
    const realRoot = realpathSync(root);
    where = real === realRoot || real.startsWith(realRoot + path.sep) ? 'points inside the backup folder' : 'points outside the backup folder';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    where = code === 'ELOOP' ? 'a symlink loop' : code === 'ENOENT' ? 'points to nothing (dangling)' : `cannot be resolved (${code})`;
  }
  return { path: rel, kind: 'symlink', detail: `symlink to ${target} (${where}): not followed, not backed up` };
}

/** The names in `dir` that are not valid UTF-8: as Node decodes them (lossy, U+FFFD) and shown with `\xNN` escapes. */
export function invalidUtf8Names(dir: string): { lossy: string; shown: string }[] {
  const out: { lossy: string; shown: string }[] = [];
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    if (isUtf8(raw)) continue;
    out.push({ lossy: raw.toString('utf8'), shown: escapeInvalidUtf8(raw) });
  }
  return out;
}

/** Printable form of a name's bytes: valid UTF-8 runs as they are, every other byte as `\xNN`. */
export function escapeInvalidUtf8(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const len = sequenceLength(raw, i);
    if (len > 0) {
      out += raw.subarray(i, i + len).toString('utf8');
      i += len;
    } else {
      out += `\\x${raw[i].toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i`, or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i];
  const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  return isUtf8(b.subarray(i, i + n)) ? n : 0;
}
