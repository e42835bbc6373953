/**
 * Settling: a key whose object, journal row and file the decision table (core/decide-key.ts) has nothing to do for,
 * taken on its own, is only counted while the three sides stream past (sync/gather-in-key-order.ts). Everything else
 * (the remainder) goes to `planSync`, together with the settled rows `ContextSelector` picks as context.
 */

/**
 * Which settled rows `planSync` must still see so that it decides every remainder key exactly as it would with all
 * keys in view. A decision looks beyond its own key only at names in the folders along its key and paths:
 * - a file `x` becomes `x%` when keys `x/...` exist, and a key `x/...` needs `x` to be a folder;
 * - a conflict copy takes a name no key, path or folder in that folder uses;
 * - on a case-insensitive disk a download must not land on a file or folder of the same folded name, nor need a folder
 *   where a file is;
 * - a local file whose path decodes to a known key is "another name" for it.
 * So a settled row is context when it is a file directly in one of those folders, or the first row seen below one of
 * their subfolders (one row is enough to make the subfolder's name known). On key names and on path identities
 * (`identity`: Unicode NFC, also case-folded on a case-insensitive disk) alike.
 *
 * Stateful (it remembers which subfolders are represented) but pure: no I/O.
 */
export class ContextSelector {
  private readonly keyFolders = new Set<string>();
  private readonly pathFolders = new Set<string>();
  private readonly represented = new Set<string>();

  /** `keys` and `paths`: every key and path (local, journaled or canonical) of the remainder. */
  constructor(keys: Iterable<string>, paths: Iterable<string>, private readonly identity: (path: string) => string) {
    for (const key of keys) addFolders(this.keyFolders, key);
    for (const p of paths) addFolders(this.pathFolders, identity(p));
  }

  /** Should this settled row be planned as context? Call once per row. */
  wants(key: string, path: string): boolean {
    // Both sides are asked, so that one row represents its subfolder on both.
    const byKey = this.near(key, this.keyFolders, 'k');
    const byPath = this.near(this.identity(path), this.pathFolders, 'p');
    return byKey || byPath;
  }

  private near(name: string, folders: ReadonlySet<string>, side: string): boolean {
    for (let start = 0; ; ) {
      const end = name.indexOf('/', start);
      if (folders.has(name.slice(0, start))) {
        if (end === -1) return true;
        const subfolder = side + name.slice(0, end);
        if (!this.represented.has(subfolder)) {
          this.represented.add(subfolder);
          return true;
        }
      }
      if (end === -1) return false;
      start = end + 1;
    }
  }
}

/** `''` and every folder prefix of `name` with its trailing slash: `a/b/c` → `''`, `a/`, `a/b/`. */
function addFolders(folders: Set<string>, name: string): void {
  folders.add('');
  for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) folders.add(name.slice(0, slash + 1));
}
