import { constants as fsConstants, lstatSync, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import type { RootPaths } from './root-paths.js';
import { makeFoldersDurably } from './sync-folder.js';

/**
 * The target of a download: its folders (created inside the root, once a run) and the check that it is still what the
 * plan saw right before the verified bytes replace it.
 */

/** What the local file at the target path is expected to be right before it is replaced (null = absent). */
export type ExpectedTarget = { size: number; mtimeMs: number } | null;

/** The target changed between planning and writing: the executor treats the action as a conflict, never overwrites. */
export class TargetChangedError extends Error {
  constructor(readonly relPath: string) {
    super(`${relPath} changed locally during the run; left untouched`);
    this.name = 'TargetChangedError';
  }
}

/** Folders created (and checked to lie inside the root) during this run, per run: `RootPaths` is made once a run. */
const checkedFolders = new WeakMap<RootPaths, Set<string>>();

export function foldersOf(paths: RootPaths): Set<string> {
  let set = checkedFolders.get(paths);
  if (!set) checkedFolders.set(paths, (set = new Set()));
  return set;
}

/** Copy to a new file (never over an existing one) and fsync it; the copy keeps the source's mtime. */
export async function copyDurably(from: string, to: string): Promise<void> {
  await fsp.copyFile(from, to, fsConstants.COPYFILE_EXCL);
  const st = await fsp.stat(from);
  await fsp.utimes(to, st.atime, st.mtime);
  const fh = await fsp.open(to, 'r+');
  await fh.sync().finally(() => fh.close());
}

/** Create the parent folders (durably), refusing to follow a symlinked folder that leads outside the root. */
export async function ensureParentInside(root: string, finalPath: string): Promise<void> {
  const parent = path.dirname(finalPath);
  await makeFoldersDurably(parent);
  const [realRoot, realParent] = await Promise.all([fsp.realpath(root), fsp.realpath(parent)]);
  if (realParent !== realRoot && !realParent.startsWith(realRoot + path.sep)) {
    throw new Error(`refusing to write through a link that leaves the backup root: ${parent}`);
  }
}

/** Unison's rule: look at the target again right before replacing it. */
export async function recheckTarget(finalPath: string, relPath: string, expected: ExpectedTarget): Promise<void> {
  const st = await fsp.lstat(finalPath).catch(() => null);
  targetIsAsExpected(st, relPath, expected);
}

/** `recheckTarget` as one synchronous lstat (the small-file path). */
export function recheckTargetSync(finalPath: string, relPath: string, expected: ExpectedTarget): void {
  let st: Stats | null = null;
  try {
    // Absent is the common answer: asked without building an exception for it.
    st = lstatSync(finalPath, { throwIfNoEntry: false }) ?? null;
  } catch {
    // not reachable: the same as recheckTarget's answer
  }
  targetIsAsExpected(st, relPath, expected);
}

function targetIsAsExpected(st: Stats | null, relPath: string, expected: ExpectedTarget): void {
  if (expected === null) {
    if (st) throw new TargetChangedError(relPath);
    return;
  }
  if (!st || !st.isFile() || st.size !== expected.size || st.mtimeMs !== expected.mtimeMs) {
    throw new TargetChangedError(relPath);
  }
}
