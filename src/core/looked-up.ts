/**
 * The names a plan looked up among the keys and files in play (found or not), recorded where each look-up happens
 * (core/plan.ts, core/keys.ts `seenBy`). Three namespaces, as the planner's name sets are keyed:
 * - `keys`: keys and key folders, both with the bucket prefix, a folder without its trailing slash (`p/a` for `p/a/b`);
 * - `paths`: exact local paths;
 * - `identities`: the identity of a local path or of a folder of one (Unicode NFC, also case-folded on a
 *   case-insensitive disk), a folder without its trailing slash.
 * A row left out of a plan can change that plan only by answering one of these look-ups (core/context-rows.ts).
 */
export class LookedUp {
  readonly keys = new Set<string>();
  readonly paths = new Set<string>();
  readonly identities = new Set<string>();

  key(name: string): void {
    this.keys.add(name);
  }

  path(path: string): void {
    this.paths.add(path);
  }

  identity(id: string): void {
    this.identities.add(id);
  }
}
