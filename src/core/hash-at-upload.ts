import { decodePathToKey, foldKey } from './keys.js';
import type { JournalEntry, LocalFile, RemoteObject } from './types.js';

/**
 * The files whose qetag the plan does not need, so hashing them can wait for their upload (which reads a small file
 * whole and hashes it anyway, and the server's answered hash is checked against those bytes): a first backup of many
 * small files then starts sending at once instead of hashing everything first.
 *
 * The plan reads a local qetag only to compare a file with something: its journal row (changed content?), the object
 * at its key (same bytes on both sides, or a conflict?) and a journaled file gone from its path (renamed, so moved on
 * the server instead of uploaded?). A file with none of these becomes an upload whatever its bytes are. So a file may
 * wait when it is at most `readWholeLimit` bytes (what an upload reads into memory as one snapshot, refused if it
 * moved meanwhile), no journal row or listed object has its key or its path, and no journaled file that is gone from
 * its path has its size. Names are compared folded (NFC, lower case): wider than any file system's identity, so a
 * doubt means hashing.
 */
export function hashableAtUpload(
  local: readonly LocalFile[],
  journal: readonly JournalEntry[],
  remote: readonly RemoteObject[],
  prefix: string,
  readWholeLimit: number,
): Set<string> {
  const knownKeys = new Set<string>();
  const knownPaths = new Set<string>();
  for (const object of remote) knownKeys.add(foldKey(object.key));
  for (const entry of journal) {
    knownKeys.add(foldKey(entry.key));
    knownPaths.add(foldKey(entry.path));
  }
  const here = new Set(local.map((file) => file.path));
  const goneSizes = new Set<number>();
  for (const entry of journal) {
    if (here.has(entry.path)) continue;
    goneSizes.add(entry.fsize);
    goneSizes.add(entry.localSize);
  }
  const out = new Set<string>();
  for (const file of local) {
    if (file.size > readWholeLimit || goneSizes.has(file.size) || knownPaths.has(foldKey(file.path))) continue;
    const key = decodePathToKey(file.path, prefix);
    if (typeof key !== 'string' || knownKeys.has(foldKey(key))) continue;
    out.add(file.path);
  }
  return out;
}
