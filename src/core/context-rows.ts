import type { LookedUp } from './looked-up.js';
import type { JournalEntry } from './types.js';

/**
 * Must this settled row (its object, row and file agree, at the journaled path) be planned beside the remainder, for
 * the remainder to be planned as with every key in view? Yes when the plan of the remainder looked up a name the row
 * answers to: its key or a folder of it, its exact path, or the identity of its path or of a folder of it
 * (`lookedUp`, `identity` as the plan's). Or when the remainder's keys give it another canonical path than the one it
 * was settled at (`homeOf`): its own decision may then move it. Pure.
 */
export function needsRow(entry: JournalEntry, lookedUp: LookedUp, homeOf: (key: string) => string | { reason: string }, identity: (path: string) => string): boolean {
  return (
    nameOrFolderIn(entry.key, lookedUp.keys) ||
    lookedUp.paths.has(entry.path) ||
    (lookedUp.identities.size > 0 && nameOrFolderIn(identity(entry.path), lookedUp.identities)) ||
    homeOf(entry.key) !== entry.path
  );
}

/** `name` or one of its folders (`a`, `a/b` for `a/b/c`: no trailing slash) is in `names`. */
function nameOrFolderIn(name: string, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  if (names.has(name)) return true;
  for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) if (names.has(name.slice(0, slash))) return true;
  return false;
}
