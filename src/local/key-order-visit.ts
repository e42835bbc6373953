import { readdirSync } from 'node:fs';
import { decodeLocalName } from '../core/keys.js';
import { compareKeys } from '../core/key-order.js';
import type { LocalProblem } from '../core/local-problems.js';
import { describeNonFile, invalidUtf8Names } from './describe-entry.js';
import { STATE_DIR } from './root-paths.js';
import { ENTRY, lstatEntries } from './stat-entries.js';

/** A regular file of the walk. */
export interface VisitedFile {
  /** Relative to the root, `/`-separated. */
  rel: string;
  /** The key this path decodes to, or null: the path stands for no key. */
  key: string | null;
  size: number;
  mtimeMs: number;
}

interface Child extends VisitedFile {
  isDir: boolean;
  /** The decoded name (a folder's with a trailing `/`): the order keys are listed in. */
  order: string;
}

interface Frame {
  children: Child[];
  next: number;
}

/**
 * The regular files below `root`, with size and mtime, in the UTF-8 byte order of the keys their paths decode to
 * (Kodo's listing order and the journal's `ORDER BY key`): each folder's entries sorted by decoded name, a folder as
 * `name/`, visited depth first. Files whose path decodes to no key come in no particular order, with `key: null`.
 * Yields runs of at most `batchSize` consecutive files; one folder's names and stats are held per level.
 *
 * Skips the tool's own `.qjournal/` folder and excluded paths. What cannot be backed up goes to `skipped`, once, by
 * name: symlinks (never followed: a link could point outside the root or in a loop) and other non-files, names that are
 * not UTF-8, and folders that cannot be read (with their key prefix, so nothing below them is taken for deleted). An
 * unreadable root throws.
 *
 * Every entry is lstat'ed as its folder is read, and the entry's type comes from that stat rather than the folder
 * listing: the walk needs each file's stat anyway, this creates no Dirent objects, and a file system that reports no
 * type in its listing (DT_UNKNOWN: some network mounts) still has its files found. Synchronous on purpose: in the
 * built CLI it runs on a worker thread (walk-worker.ts), where a blocking syscall costs only that thread.
 */
export function* visitInKeyOrder(
  root: string,
  prefix: string,
  isExcluded: (relPath: string) => boolean,
  skipped: LocalProblem[],
  batchSize: number,
): Generator<VisitedFile[]> {
  const read = (relDir: string, keyDir: string | null) => readChildren(root, relDir, keyDir, isExcluded, skipped);
  const stack: Frame[] = [{ children: read('', prefix), next: 0 }];
  let batch: VisitedFile[] = [];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next === frame.children.length) {
      stack.pop();
      continue;
    }
    const child = frame.children[frame.next++];
    if (child.isDir) {
      stack.push({ children: read(child.rel, child.key), next: 0 });
      continue;
    }
    batch.push(child);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function readChildren(
  root: string,
  relDir: string,
  keyDir: string | null,
  isExcluded: (relPath: string) => boolean,
  skipped: LocalProblem[],
): Child[] {
  const atRoot = relDir === '';
  // `root/rel` as is: path.join's normalising costs ~1 µs a file and changes nothing (these paths are built clean).
  const base = root.endsWith('/') ? root : `${root}/`;
  const dir = atRoot ? root : base + relDir;
  const unreadable = (err: unknown): Child[] => {
    const e = err as NodeJS.ErrnoException;
    skipped.push({ path: relDir, kind: 'unreadable-folder', detail: `cannot read this folder (${e.code ?? e.message}); nothing in it was backed up`, ...(keyDir !== null ? { keyPrefix: keyDir } : {}) });
    return [];
  };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    // The root itself unreadable makes the run meaningless (its caller says so); a folder gone meanwhile has no files.
    if (atRoot) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return unreadable(err);
  }
  if (atRoot) names = names.filter((name) => name !== STATE_DIR);
  // Node hands back a name that is not UTF-8 with U+FFFD in it, a name no call can open: report, never guess a key.
  if (names.some((name) => name.includes('\uFFFD'))) {
    const bad = invalidUtf8Names(dir);
    for (const b of bad) skipped.push({ path: atRoot ? b.shown : `${relDir}/${b.shown}`, kind: 'bad-name', detail: 'the name is not valid UTF-8, so it cannot be a Kodo key' });
    const lossy = new Set(bad.map((b) => b.lossy));
    names = names.filter((name) => !lossy.has(name));
  }
  const rels = atRoot ? names : names.map((name) => `${relDir}/${name}`);
  const stats = lstatEntries(rels.map((rel) => base + rel));
  // Listable but not searchable (`r--`): no entry can be stat'ed, so none is known to exist or not.
  for (let i = 0; i < names.length; i++) if (stats[3 * i] === ENTRY.unreadable && !atRoot) return unreadable({ code: 'EACCES' });
  const children: Child[] = [];
  names.forEach((name, i) => {
    const rel = rels[i];
    const kind = stats[3 * i];
    // Gone since the folder was read: not part of this walk.
    if (kind === ENTRY.missing) return;
    if (kind === ENTRY.unreadable) {
      skipped.push({ path: rel, kind: 'unreadable-file', detail: 'cannot stat this entry' });
      return;
    }
    const isDir = kind === ENTRY.folder;
    if (!isDir && kind !== ENTRY.file) {
      if (!isExcluded(rel)) skipped.push(describeNonFile(root, rel, kind === ENTRY.symlink));
      return;
    }
    if (isExcluded(isDir ? `${rel}/` : rel)) return;
    const decoded = keyDir === null ? null : decodeLocalName(name, atRoot, !isDir);
    const segment = typeof decoded === 'string' ? decoded : null;
    const order = segment === null ? name : isDir ? `${segment}/` : segment;
    const key = segment === null ? null : `${keyDir}${order}`;
    children.push({ rel, isDir, order, key, size: stats[3 * i + 1], mtimeMs: stats[3 * i + 2] });
  });
  return children.sort((a, b) => compareKeys(a.order, b.order));
}
