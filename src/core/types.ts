/**
 * The data every layer shares. Pure types only: no I/O lives in src/core.
 *
 * Paths (`path`) are always relative to the backup root, use `/` as the separator, and are produced by
 * `core/keys.ts` from object keys (never joined by hand).
 */

import type { LocalProblem } from './local-problems.js';

/** One object as the bucket listing (or a stat) reports it. */
export interface RemoteObject {
  key: string;
  /** qetag (`F…`/`l…`), etag v2 (`n…`) or a hash no local computation reproduces (see core/hash-kind.ts). */
  hash: string;
  fsize: number;
  /**
   * Upload time in 100 ns units, as the server sent it. Real values exceed 2^53, so JSON.parse may have rounded
   * them: compare whole seconds (`Math.floor(putTime / 1e7)`) or the hash, never two raw putTimes from different sources.
   */
  putTime: number;
  mimeType?: string;
  /** Part sizes of an etag-v2 object (listed with `needparts=true`): what its hash is computed over. */
  parts?: number[];
  /** Hex MD5 of the content, kept only for an opaque hash (the only content check it leaves). */
  md5?: string;
}

/** One regular file found by walking the local root. */
export interface LocalFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** qetag of the content; present only when the sync engine had to hash the file. */
  hash?: string;
  /**
   * Remote hashes other than the qetag that this content was found to equal (an etag v2 over that object's parts, an
   * opaque hash whose MD5 matched, or one whose journaled local qetag matched). See `hasContent`.
   */
  matches?: string[];
}

/** What the journal remembers about a key after the last action that succeeded on it. */
export interface JournalEntry {
  key: string;
  path: string;
  /** The remote object's hash and metadata as observed when the action finished. */
  remoteHash: string;
  fsize: number;
  putTime: number;
  /** The local file's size and mtime from a fresh stat right after the action (git-index style fast check). */
  localSize: number;
  localMtimeMs: number;
  syncedAt: number;
  runId: number;
}

export type Direction = 'down' | 'up' | 'both';
export type DeletePolicy = 'keep' | 'mirror';
export type ConflictPolicy = 'keep-both' | 'remote' | 'local' | 'report';

export const SYNC_STATES = [
  'in-sync',
  'new-remote',
  'new-local',
  'remote-modified',
  'local-modified',
  'conflict',
  'remote-deleted',
  'local-deleted',
  'renamed-remote',
  'renamed-local',
  'unmappable',
] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * One thing the executor does. Kind-tagged data: `status` prints it, `sync` executes it, tests `toEqual` it.
 * Every action carries the state (`reason`) that caused it.
 */
export type Action =
  /**
   * Fetch `remote` to `path` (temp file, verify qetag, rename into place). `replaces`: the file the walk found at
   * `path` (it must still be there, unchanged, and becomes a version), or null when nothing was there.
   */
  | { kind: 'download'; key: string; path: string; reason: SyncState; remote: RemoteObject; replaces: LocalFile | null }
  /**
   * Send the local file at `path` to `key`. `expectRemoteHash === null` means insert-only (the key must not exist);
   * otherwise the key is overwritten only while its remote hash still equals this value.
   */
  | { kind: 'upload'; key: string; path: string; reason: SyncState; local: LocalFile; expectRemoteHash: string | null }
  /** Both sides already hold the same bytes: only write the journal row. */
  | { kind: 'record'; key: string; path: string; reason: SyncState; remote: RemoteObject; local: LocalFile }
  /** A local rename: server-side move `fromKey` → `key`, no upload. */
  | { kind: 'move-remote'; fromKey: string; key: string; path: string; reason: SyncState; local: LocalFile; remote: RemoteObject }
  /** A remote rename (`fromKey` → `key`): local rename `fromPath` → `path`, no download. `local`: the file at `fromPath`. */
  | { kind: 'move-local'; fromKey: string; key: string; fromPath: string; path: string; reason: SyncState; remote: RemoteObject; local: LocalFile }
  /** deletes = mirror: delete the remote key (the journal row goes too). */
  | { kind: 'delete-remote'; key: string; path: string; reason: SyncState; remote: RemoteObject }
  /** deletes = mirror: move the local file to `.qjournal/trash/` (the journal row goes too). */
  | { kind: 'trash-local'; key: string; path: string; reason: SyncState; local: LocalFile }
  /**
   * conflict = keep-both: the local version is renamed to `conflictPath` (and, when uploading is allowed, uploaded as
   * `conflictKey`), then the remote version is downloaded to `path`.
   */
  | {
      kind: 'keep-both';
      key: string;
      path: string;
      reason: SyncState;
      remote: RemoteObject;
      local: LocalFile;
      conflictPath: string;
      conflictKey: string | null;
    }
  /** Both sides are gone: drop the journal row. */
  | { kind: 'forget'; key: string; path: string; reason: SyncState };

export type ActionKind = Action['kind'];

/** One line of a plan: what state a key/path is in and what (if anything) will be done about it. */
export interface PlanItem {
  key: string;
  /** null when the key has no local path (unmappable). */
  path: string | null;
  state: SyncState;
  action: Action | null;
  /** Human explanation for reported-only items (e.g. why a key is unmappable, why nothing is done). */
  note?: string;
}

export interface Plan {
  items: PlanItem[];
  /** Local things this run could not back up, by name (core/local-problems.ts). Absent when there were none. */
  problems?: LocalProblem[];
  /**
   * Keys found in sync while gathering and never planned (sync/gather-in-key-order.ts): in-sync items not listed in `items`.
   * Absent when everything was planned.
   */
  settled?: number;
}

/** Every in-sync key of a plan, listed or settled. */
export function inSyncCount(plan: Plan): number {
  let n = plan.settled ?? 0;
  for (const item of plan.items) if (item.state === 'in-sync') n++;
  return n;
}

export interface PlanOptions {
  direction: Direction;
  deletes: DeletePolicy;
  conflict: ConflictPolicy;
  /** Used to name conflict copies; passed in so planning stays pure. */
  now: Date;
  /**
   * The local file system folds case (macOS, Windows defaults): keys whose paths differ only by case (or Unicode
   * normalization) would overwrite each other, so all but one are reported as unmappable.
   */
  caseInsensitive?: boolean;
}

/** Does the (hashed) local file hold the content of the object with this hash? */
export function hasContent(local: LocalFile, hash: string): boolean {
  return local.hash !== undefined && (local.hash === hash || (local.matches?.includes(hash) ?? false));
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
