import type { Action, ConflictPolicy, JournalEntry, LocalFile, PlanOptions, RemoteObject, SyncState } from './types.js';
import { assertNever, hasContent } from './types.js';

/**
 * The decision table of DESIGN.md, one matched key at a time: what its object, journal row and local file say, and
 * what to do about it. Pure. The rules that look at other keys (renames by hash, case collisions, which file a key
 * owns, its canonical path) are core/plan.ts's; they reach this table only as `home` and `conflictCopy`.
 */

/** One key in play: a remote object or a journal row (or both), and the local file it owns, if any. */
export interface KeyInPlay {
  key: string;
  /** The key's canonical local path (depends on the other keys: a file `x` beside keys `x/...` lives at `x%`). */
  home: string;
  remote: RemoteObject | undefined;
  entry: JournalEntry | undefined;
  local: LocalFile | undefined;
}

export interface Decision {
  state: SyncState;
  action: Action | null;
  note?: string;
}

/** Where the local version of a conflicted key goes (a name no other key or file uses). */
export type ConflictCopyNamer = (key: string, path: string) => { path: string; key: string };

/** Is the local file what the journal last saw: same size and mtime (fast check), or same content (hashed)? */
export function localMatchesJournal(local: LocalFile, entry: JournalEntry): boolean {
  if (local.size === entry.localSize && local.mtimeMs === entry.localMtimeMs) return true;
  return hasContent(local, entry.remoteHash);
}

/** The table's "in sync, nothing to do": the answer that lets a key be counted instead of planned. */
export function isNothingToDo(decision: Decision): boolean {
  return decision.state === 'in-sync' && decision.action === null;
}

export const NOTE = {
  upOnly: 'direction up: nothing is downloaded',
  downOnly: 'direction down: nothing is uploaded',
  keptLocalEdit: 'direction down: the local edit is kept and not overwritten',
  keptLocally: (key: string) => `kept locally; restore with \`qjournal restore ${key}\``,
  sameContent: 'same content on both sides: only the journal is written',
  goneBothSides: 'gone on both sides: the journal row is dropped',
  conflictReported: 'both sides changed: left as they are (conflict = report)',
} as const;

/** A key with a remote object or a journal row (a local file alone is `decideNewLocal`'s). */
export function decideKey(k: KeyInPlay, options: PlanOptions, conflictCopy: ConflictCopyNamer): Decision {
  const { key, remote, entry, local } = k;
  const up = options.direction !== 'down';
  const down = options.direction !== 'up';
  const path = local?.path ?? k.home;
  if (!entry) {
    if (remote && local) return bothChanged(key, path, remote, local, options, conflictCopy);
    if (remote) return newRemote(key, path, remote, down);
    throw new Error(`planSync: key ${JSON.stringify(key)} has neither a remote object nor a journal row`);
  }
  if (!remote && !local) return { state: 'remote-deleted', action: { kind: 'forget', key, path, reason: 'remote-deleted' }, note: NOTE.goneBothSides };
  if (!local) return localDeleted(key, path, remote!, entry, options);
  if (!remote) return remoteDeleted(key, path, local, entry, options);

  const localSame = localMatchesJournal(local, entry);
  const remoteSame = remote.hash === entry.remoteHash;
  if (localSame && remoteSame) return inSync(k, path, remote, local, entry, options);
  if (remoteSame) {
    if (!up) return { state: 'local-modified', action: null, note: NOTE.keptLocalEdit };
    return { state: 'local-modified', action: { kind: 'upload', key, path, reason: 'local-modified', local, expectRemoteHash: entry.remoteHash } };
  }
  if (localSame) {
    if (!down) return { state: 'remote-modified', action: null, note: NOTE.upOnly };
    return { state: 'remote-modified', action: { kind: 'download', key, path, reason: 'remote-modified', remote, replaces: local } };
  }
  return bothChanged(key, path, remote, local, options, conflictCopy);
}

/** A local file whose name is the canonical path of a key no object or row has. */
export function decideNewLocal(key: string, file: LocalFile, options: PlanOptions): Decision {
  if (options.direction === 'down') return { state: 'new-local', action: null, note: NOTE.downOnly };
  return { state: 'new-local', action: { kind: 'upload', key, path: file.path, reason: 'new-local', local: file, expectRemoteHash: null } };
}

/**
 * A file `x` recorded at its journal path `x` while keys `x/...` now exist: its canonical path became `x%`. Returns
 * that path when the file (unchanged on both sides) should move there, else null. Only downloads need the folder.
 */
export function rehomeTarget(k: KeyInPlay, options: PlanOptions): string | null {
  const { entry, local, remote } = k;
  if (options.direction === 'up' || !entry || !local || !remote || local.path !== entry.path || k.home !== `${entry.path}%`) return null;
  return localMatchesJournal(local, entry) && remote.hash === entry.remoteHash ? k.home : null;
}

function inSync(k: KeyInPlay, path: string, remote: RemoteObject, local: LocalFile, entry: JournalEntry, options: PlanOptions): Decision {
  const target = rehomeTarget(k, options);
  if (target !== null) {
    return {
      state: 'renamed-remote',
      action: { kind: 'move-local', fromKey: k.key, key: k.key, fromPath: path, path: target, reason: 'renamed-remote', remote, local },
      note: `keys below ${JSON.stringify(path)}/ appeared: the file moves to ${JSON.stringify(target)} so the folder can exist`,
    };
  }
  if (local.size !== entry.localSize || local.mtimeMs !== entry.localMtimeMs) {
    return { state: 'in-sync', action: { kind: 'record', key: k.key, path, reason: 'in-sync', remote, local } };
  }
  return IN_SYNC;
}

/** Shared: a no-op sync of a million keys asks for this answer a million times. */
const IN_SYNC: Decision = Object.freeze({ state: 'in-sync', action: null }) as Decision;

function newRemote(key: string, path: string, remote: RemoteObject, down: boolean): Decision {
  if (!down) return { state: 'new-remote', action: null, note: NOTE.upOnly };
  return { state: 'new-remote', action: { kind: 'download', key, path, reason: 'new-remote', remote, replaces: null } };
}

/** No local file; the journal had one. */
function localDeleted(key: string, path: string, remote: RemoteObject, entry: JournalEntry, options: PlanOptions): Decision {
  const up = options.direction !== 'down';
  const down = options.direction !== 'up';
  if (remote.hash !== entry.remoteHash) {
    // Deleted here, changed there: the newer remote version comes back; it is never deleted.
    if (!down) return { state: 'local-deleted', action: null, note: 'deleted locally but changed in the bucket since: not deleted (direction up)' };
    return {
      state: 'remote-modified',
      action: { kind: 'download', key, path, reason: 'remote-modified', remote, replaces: null },
      note: 'deleted locally but changed in the bucket since: the new version is downloaded',
    };
  }
  const download: Decision = { state: 'local-deleted', action: { kind: 'download', key, path, reason: 'local-deleted', remote, replaces: null } };
  const deletes = options.deletes;
  switch (deletes) {
    case 'keep':
      if (!down) return { state: 'local-deleted', action: null, note: `${NOTE.upOnly} (deletes = keep: not deleted in the bucket)` };
      return { ...download, note: 'downloaded again (deletes = keep)' };
    case 'mirror':
      if (up) return { state: 'local-deleted', action: { kind: 'delete-remote', key, path, reason: 'local-deleted', remote } };
      return { ...download, note: 'direction down never deletes in the bucket: downloaded again' };
    default:
      return assertNever(deletes);
  }
}

/**
 * No remote object; the journal had one. An unchanged local file follows the delete policy. An edited one is never
 * trashed: the edit wins over the deletion and is uploaded again (insert-only) when uploading is allowed, otherwise
 * it is kept and reported.
 */
function remoteDeleted(key: string, path: string, local: LocalFile, entry: JournalEntry, options: PlanOptions): Decision {
  const up = options.direction !== 'down';
  const down = options.direction !== 'up';
  if (!localMatchesJournal(local, entry)) {
    if (!up) return { state: 'remote-deleted', action: null, note: `edited locally after it was deleted in the bucket: ${NOTE.keptLocally(key)}` };
    return {
      state: 'local-modified',
      action: { kind: 'upload', key, path, reason: 'local-modified', local, expectRemoteHash: null },
      note: 'edited locally after it was deleted in the bucket: uploaded again',
    };
  }
  const deletes = options.deletes;
  switch (deletes) {
    case 'mirror':
      if (down) return { state: 'remote-deleted', action: { kind: 'trash-local', key, path, reason: 'remote-deleted', local } };
      return { state: 'remote-deleted', action: null, note: `direction up: ${NOTE.keptLocally(key)}` };
    case 'keep':
      return { state: 'remote-deleted', action: null, note: NOTE.keptLocally(key) };
    default:
      return assertNever(deletes);
  }
}

/** Both sides differ from the journal (or both are new): the same bytes are simply recorded, else the policy decides. */
function bothChanged(key: string, path: string, remote: RemoteObject, local: LocalFile, options: PlanOptions, conflictCopy: ConflictCopyNamer): Decision {
  const up = options.direction !== 'down';
  const down = options.direction !== 'up';
  if (hasContent(local, remote.hash)) {
    return { state: 'conflict', action: { kind: 'record', key, path, reason: 'conflict', remote, local }, note: NOTE.sameContent };
  }
  const policy: ConflictPolicy = options.conflict;
  switch (policy) {
    case 'keep-both': {
      const copy = conflictCopy(key, path);
      return {
        state: 'conflict',
        action: { kind: 'keep-both', key, path, reason: 'conflict', remote, local, conflictPath: copy.path, conflictKey: up ? copy.key : null },
        note: `local version kept as ${JSON.stringify(copy.path)}`,
      };
    }
    case 'remote':
      if (!down) return { state: 'conflict', action: null, note: 'both sides changed; direction up cannot apply conflict = remote' };
      return { state: 'conflict', action: { kind: 'download', key, path, reason: 'conflict', remote, replaces: local }, note: 'remote version wins; the local one goes to the trash' };
    case 'local':
      if (!up) return { state: 'conflict', action: null, note: 'both sides changed; direction down cannot apply conflict = local' };
      return { state: 'conflict', action: { kind: 'upload', key, path, reason: 'conflict', local, expectRemoteHash: remote.hash }, note: 'local version wins' };
    case 'report':
      return { state: 'conflict', action: null, note: NOTE.conflictReported };
    default:
      return assertNever(policy);
  }
}
