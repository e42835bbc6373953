import type { Action } from './types.js';
import { assertNever } from './types.js';

/**
 * Versions (point-in-time backup): every set of bytes a key had while the journal watched it. Pure types and decisions;
 * the journal stores them (migrations/005-versions.ts), src/local/version-store.ts keeps local bytes, the executor
 * applies `versionKeeping`.
 */

/** What ended a version (null while it is current). */
export type VersionOrigin =
  | 'remote-overwrite'
  | 'remote-delete'
  | 'local-edit'
  | 'local-delete'
  | 'conflict'
  | 'renamed'
  | 'restore'
  /** A file that sat in the local trash of an older qjournal (migrated). */
  | 'deleted'
  /** Both sides changed or vanished before a run saw the old bytes again. */
  | 'lost';

/** Where a version's bytes were put when it ended (`root`: it is current). */
export type VersionLocation = 'root' | 'store' | 'bucket-trash' | 'gone' | 'pruning' | 'pruned';

/** Where its bytes can be found now, as `versions --json` reports it. */
export type VersionWhere = 'root' | 'store' | 'bucket-trash' | 'gone';

export interface VersionRecord {
  id: number;
  key: string;
  hash: string;
  fsize: number;
  putTime: number;
  /** Unix ms of the run that first recorded it current; `sinceRun` is that run (0: before history was kept). */
  sinceAt: number;
  sinceRun: number;
  /** null while current. */
  untilAt: number | null;
  untilRun: number | null;
  origin: VersionOrigin | null;
  location: VersionLocation;
  trashKey: string | null;
}

/** How a version ends: why, and where its bytes went. Recorded in the same transaction as the journal row's change. */
export interface VersionEnd {
  origin: VersionOrigin;
  location: VersionLocation;
  trashKey?: string | null;
}

/**
 * What an action must keep before it runs, so that no sync destroys a version it backed up:
 * - `store`: the local file at `action.path` (about to be replaced or removed) goes into the local store first;
 *   `knownVersion` says its bytes are the journal's current version (else they are an unrecorded local edit, hashed
 *   before they are kept);
 * - `bucket-trash`: the object at `action.key` (about to be overwritten) is copied server-side into the bucket's trash;
 * - `already`: the action itself moves the bytes somewhere safe (the bucket's trash, a rename);
 * - `none`: nothing known is replaced.
 * `ends` is how the key's current version ends when the action succeeds (null: it stays current).
 */
export type VersionKeeping =
  | { keep: 'store'; knownVersion: boolean; ends: VersionEnd }
  | { keep: 'bucket-trash'; ends: VersionEnd }
  | { keep: 'already'; ends: VersionEnd }
  | { keep: 'none'; ends: VersionEnd | null };

/**
 * The decision table. `targetExists`: a local file is at the action's path (a download replaces it only then).
 */
export function versionKeeping(action: Action, targetExists: boolean): VersionKeeping {
  switch (action.kind) {
    case 'download':
      switch (action.reason) {
        case 'remote-modified':
          // Unchanged locally, replaced remotely: the local file is the only copy of the old version left.
          return targetExists
            ? { keep: 'store', knownVersion: true, ends: { origin: 'remote-overwrite', location: 'store' } }
            : { keep: 'none', ends: { origin: 'lost', location: 'gone' } };
        case 'conflict':
          // conflict = remote: the local edit (never recorded) is kept; the journal's version is gone on both sides.
          return targetExists
            ? { keep: 'store', knownVersion: false, ends: { origin: 'conflict', location: 'gone' } }
            : { keep: 'none', ends: { origin: 'conflict', location: 'gone' } };
        default:
          // new-remote, local-deleted (fetched again): nothing is replaced, and a version still current stays so.
          return { keep: 'none', ends: null };
      }
    case 'upload':
      if (action.expectRemoteHash === null) return { keep: 'none', ends: null };
      // An edit in place rewrote the local copy: the object is the only copy of the version it replaces.
      return { keep: 'bucket-trash', ends: { origin: action.reason === 'conflict' ? 'conflict' : 'local-edit', location: 'bucket-trash' } };
    case 'trash-local':
      return { keep: 'store', knownVersion: true, ends: { origin: 'remote-delete', location: 'store' } };
    case 'delete-remote':
      // The object is moved (not deleted) into the bucket's trash.
      return { keep: 'already', ends: { origin: 'local-delete', location: 'bucket-trash' } };
    case 'move-local':
    case 'move-remote':
      // The bytes live on under the new key (a rename never writes over a file).
      return { keep: 'already', ends: { origin: 'renamed', location: 'root' } };
    case 'keep-both':
      // The local edit is renamed to the conflict copy; the journal's version changed on both sides already.
      return { keep: 'none', ends: { origin: 'conflict', location: 'gone' } };
    case 'record':
      // Same bytes on both sides: if they differ from the journal's, its version changed on both sides already.
      return { keep: 'none', ends: { origin: 'lost', location: 'gone' } };
    case 'forget':
      return { keep: 'none', ends: { origin: 'lost', location: 'gone' } };
    default:
      return assertNever(action);
  }
}

/**
 * Where a version's bytes are now. `inStore`: the local store holds its hash; `currentElsewhere`: some key's current
 * version has the same hash (its file in the root and its object hold the bytes).
 */
export function versionWhere(v: Pick<VersionRecord, 'untilAt' | 'location' | 'trashKey'>, inStore: boolean, currentElsewhere: boolean): VersionWhere {
  if (v.untilAt === null) return 'root';
  if (inStore) return 'store';
  if (v.trashKey && v.location === 'bucket-trash') return 'bucket-trash';
  if (currentElsewhere) return 'root';
  return 'gone';
}

/** The version of a key current at `at` (Unix ms): since ≤ at < until. */
export function isCurrentAt(v: Pick<VersionRecord, 'sinceAt' | 'untilAt'>, at: number): boolean {
  return v.sinceAt <= at && (v.untilAt === null || v.untilAt > at);
}
