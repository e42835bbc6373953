import { lstatSync } from 'node:fs';

/** What an lstat found, as the first of each entry's three numbers (kind, size, mtimeMs). */
export const ENTRY = { missing: 0, file: 1, folder: 2, other: 3, symlink: 4, unreadable: 5 } as const;

/** lstat each path: three numbers per path (kind, size, mtimeMs), in order. */
export function lstatEntries(paths: readonly string[]): Float64Array {
  const out = new Float64Array(paths.length * 3);
  for (let i = 0; i < paths.length; i++) {
    let st;
    try {
      st = lstatSync(paths[i], { throwIfNoEntry: false });
    } catch {
      // Not ENOENT (that is `undefined`): the folder is listable but not searchable, or an I/O error.
      out[3 * i] = ENTRY.unreadable;
      continue;
    }
    const at = 3 * i;
    if (st === undefined) {
      out[at] = ENTRY.missing;
      continue;
    }
    out[at] = st.isFile() ? ENTRY.file : st.isDirectory() ? ENTRY.folder : st.isSymbolicLink() ? ENTRY.symlink : ENTRY.other;
    out[at + 1] = st.size;
    out[at + 2] = st.mtimeMs;
  }
  return out;
}
