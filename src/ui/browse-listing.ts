import type { JournalEntry, Plan, PlanItem, SyncState } from '../core/types.js';

/** One file of the backed-up tree, as the journal and the last status plan see it. */
export interface BrowseFile {
  key: string;
  path: string;
  size: number;
  /** The plan's state for the key; `in-sync` for a journal row the plan found unchanged. */
  state: SyncState;
}

export interface BrowseFolder {
  name: string;
  path: string;
  files: number;
  size: number;
  /** How many files below it are not in sync, by state. */
  drift: Partial<Record<SyncState, number>>;
}

export interface BrowseListing {
  folder: string;
  folders: BrowseFolder[];
  files: (BrowseFile & { name: string })[];
  /** Keys that have no local path (only at the top). */
  unmappable: { key: string; note: string | null }[];
}

/**
 * The tree: every journal row (what was backed up) and every planned item (what changed since), keyed by local path.
 * Pure. The states are the planner's, never re-decided here.
 */
export function backedUpFiles(entries: readonly JournalEntry[], plan: Plan): BrowseFile[] {
  const byPath = new Map<string, BrowseFile>();
  for (const e of entries) byPath.set(e.path, { key: e.key, path: e.path, size: e.fsize, state: 'in-sync' });
  for (const item of plan.items) {
    if (item.path === null) continue;
    const known = byPath.get(item.path);
    byPath.set(item.path, { key: item.key, path: item.path, size: itemSize(item) ?? known?.size ?? 0, state: item.state });
  }
  return [...byPath.values()];
}

/** The direct children of `folder` ('' = the top; no leading or trailing slash). */
export function listFolder(files: readonly BrowseFile[], plan: Plan, folder: string): BrowseListing {
  const prefix = folder === '' ? '' : `${folder}/`;
  const folders = new Map<string, BrowseFolder>();
  const direct: (BrowseFile & { name: string })[] = [];
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      direct.push({ ...f, name: rest });
      continue;
    }
    const name = rest.slice(0, slash);
    const sub = folders.get(name) ?? { name, path: `${prefix}${name}`, files: 0, size: 0, drift: {} };
    sub.files++;
    sub.size += f.size;
    if (f.state !== 'in-sync') sub.drift[f.state] = (sub.drift[f.state] ?? 0) + 1;
    folders.set(name, sub);
  }
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  return {
    folder,
    folders: [...folders.values()].sort(byName),
    files: direct.sort(byName),
    unmappable: folder === '' ? plan.items.filter((i) => i.path === null).map((i) => ({ key: i.key, note: i.note ?? null })) : [],
  };
}

/** Files at or below `folder` ('' = everything). */
export function filesUnder(files: readonly BrowseFile[], folder: string): BrowseFile[] {
  if (folder === '') return [...files];
  return files.filter((f) => f.path === folder || f.path.startsWith(`${folder}/`));
}

function itemSize(item: PlanItem): number | null {
  const a = item.action;
  if (!a) return null;
  switch (a.kind) {
    case 'download':
    case 'move-local':
    case 'delete-remote':
    case 'record':
    case 'move-remote':
      return a.remote.fsize;
    case 'upload':
    case 'trash-local':
      return a.local.size;
    case 'keep-both':
      return a.remote.fsize;
    case 'forget':
      return null;
    default:
      return null;
  }
}
