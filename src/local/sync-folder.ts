import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Make a folder's entries durable: a file renamed into a folder, or a folder made in one, is on disk only once that
 * folder is fsynced (POSIX promises no more, and ext4 without a journal gives no more). Downloads call this after the
 * rename and before the journal records the file, so a power cut never leaves a journal that vouches for a file the
 * disk lost (which the next run would take for a local deletion). Where a folder cannot be opened or fsynced
 * (Windows, some network file systems), it does nothing: the file's own fsync is then all there is.
 */
export async function syncFolder(dir: string): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dir, 'r');
  } catch (err) {
    if (cannotSyncFolders(err)) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!cannotSyncFolders(err)) throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Make a rename durable: fsync the folder it left and the folder it entered (one fsync when they are the same). Until
 * then a power cut may keep either name, both, or (ext4 without a journal) neither.
 */
export async function syncRenamed(from: string, to: string): Promise<void> {
  const [left, entered] = [path.dirname(from), path.dirname(to)];
  await Promise.all(left === entered ? [syncFolder(entered)] : [syncFolder(left), syncFolder(entered)]);
}

/**
 * `mkdir -p leaf` whose new folders are durable: each folder that gained an entry, from the parent of the first folder
 * made down to leaf's parent, is fsynced (leaf's own entries are synced by whoever puts a file there).
 */
export async function makeFoldersDurably(leaf: string): Promise<void> {
  const firstMade = await fsp.mkdir(leaf, { recursive: true });
  if (firstMade === undefined) return;
  const top = path.dirname(firstMade);
  const gained: string[] = [];
  for (let dir = path.dirname(leaf); ; dir = path.dirname(dir)) {
    gained.push(dir);
    if (dir === top || path.dirname(dir) === dir) break;
  }
  await Promise.all(gained.map(syncFolder));
}

function cannotSyncFolders(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EACCES' || code === 'EINVAL' || code === 'ENOTSUP' || code === 'EBADF';
}
