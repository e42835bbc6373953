import { decodePathToKey, escapeSegment, foldKey, keyMapper, MAX_NAME_BYTES, nfcKey, utf8Length, type KeyMapper } from './keys.js';
import { decideKey, decideNewLocal, localMatchesJournal, rehomeTarget, type Decision, type KeyInPlay } from './decide-key.js';
import { LookedUp } from './looked-up.js';
import type { JournalEntry, LocalFile, Plan, PlanItem, PlanOptions, RemoteObject } from './types.js';

export interface PlanInput {
  remote: RemoteObject[];
  local: LocalFile[];
  journal: JournalEntry[];
  /** The bucket prefix: every remote key starts with it; local paths map to keys below it. */
  prefix: string;
  options: PlanOptions;
}

/**
 * The plan of DESIGN.md: local files, remote objects and journal rows → one PlanItem per key or local path, sorted by
 * key then path. Pure: no I/O, no clock (conflict names use `options.now`), no randomness. This file holds the rules
 * that look at other keys (which file a key owns, canonical paths, renames by hash, case collisions, conflict copy
 * names); each key's own row of the decision table is core/decide-key.ts's.
 *
 * Contract for consumers:
 * - Every remote key, journal key (below the prefix) and local path appears exactly once: as an item's `key`/`path`,
 *   or as the `fromKey`/`fromPath` of the rename that consumes it. Local paths that map to no key get `key: ''`;
 *   keys that map to no path get `path: null`. Journal rows whose key is outside the prefix are ignored (the prefix
 *   changed: they belong to another backup, and must not be read as deletions).
 * - `path` is the local file actually found (it may differ from the key's canonical path by Unicode normalization, by
 *   case on a case-insensitive file system, or when the journal placed it elsewhere); without a local file, it is the
 *   canonical path from `mapKeys`.
 * - `record` with state `in-sync`: content unchanged on both sides but the local mtime moved (the file was hashed);
 *   writing the journal row again restores the fast size+mtime check.
 * - `move-local` with `fromKey === key`: the key did not change, its file moves to its new canonical path (a file `x`
 *   becomes `x%` when keys `x/...` appear, so the folder `x` can be created).
 * - Direction `up` never downloads except in `keep-both` (which keeps both versions on both sides); direction `down`
 *   never uploads, deletes remotely or overwrites a local edit.
 */
export function planSync(input: PlanInput): Plan {
  return new Planner(input, null).plan();
}

/**
 * `planSync`, plus every name its rules looked up among the keys and files in play (`lookedUp`, found or not), and
 * `homeOf`: the canonical path of any key beside the keys in play, as the plan mapped them (it records nothing).
 */
export function planWithLookups(input: PlanInput): { plan: Plan; lookedUp: LookedUp; homeOf: KeyMapper['map'] } {
  const lookedUp = new LookedUp();
  const planner = new Planner(input, lookedUp);
  const plan = planner.plan();
  return { plan, lookedUp, homeOf: planner.homeOf };
}

/** `YYYY-MM-DD HHMM` in UTC, as used in conflict copy names. */
export function conflictStamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/**
 * The name of a conflict copy of the key segment `base`: `name (conflict 2026-11-24 0546).ext`, then ` 2`, ` 3`… after
 * the stamp for later attempts. The stem is shortened (never the stamp) so the escaped name fits in 255 bytes.
 */
export function conflictSegment(base: string, stamp: string, attempt: number, atRoot: boolean): string {
  const dot = base.lastIndexOf('.');
  const hasExtension = dot > 0 && dot < base.length - 1 && !/^\.+$/.test(base.slice(0, dot));
  let stem = hasExtension ? base.slice(0, dot) : base;
  let extension = hasExtension ? base.slice(dot) : '';
  const label = ` (conflict ${stamp}${attempt > 1 ? ` ${attempt}` : ''})`;
  const fits = () => utf8Length(escapeSegment(stem + label + extension, atRoot)) <= MAX_NAME_BYTES;
  while (!fits() && stem !== '') stem = dropLastCodePoint(stem);
  while (!fits() && extension !== '') extension = dropLastCodePoint(extension);
  return stem + label + extension;
}

function dropLastCodePoint(s: string): string {
  const last = s.charCodeAt(s.length - 1);
  return s.slice(0, (last & 0xfc00) === 0xdc00 && s.length > 1 ? -2 : -1);
}

/** A remote or journal key, and what each side holds for it (`home`: '' until mapped; `local`: by `claimLocalFiles`). */
interface KnownKey extends KeyInPlay {
  /** A rename (or a case collision) already accounts for this key. */
  done: boolean;
}

/** A local file no known key owns, whose name is the canonical path of a new key. */
interface NewLocal {
  key: string;
  file: LocalFile;
  done: boolean;
}

class Planner {
  private readonly prefix: string;
  private readonly options: PlanOptions;
  private readonly up: boolean;
  private readonly down: boolean;
  private readonly local: LocalFile[];
  /** Every remote key and every journal key below the prefix, with what each side holds. */
  private readonly byKey = new Map<string, KnownKey>();
  /** Local files not yet owned by a key, by path: claiming one removes it. */
  private readonly unclaimed = new Map<string, LocalFile>();
  private readonly items: PlanItem[] = [];
  /** The keys of `byKey` that have a local path (the others are reported unmappable). */
  private readonly known: KnownKey[] = [];
  private readonly newLocal: NewLocal[] = [];
  /** Every local file by path (built on first use). */
  private byPath: Map<string, LocalFile> | null = null;
  /** Names taken for conflict copies (built on first use). */
  private taken: { keys: Set<string>; paths: Set<string> } | null = null;
  /** Canonical paths over the keys in play, without recording (set by `plan`). */
  homeOf: KeyMapper['map'] = () => ({ reason: 'not planned yet' });

  /** `lookedUp`: where to record each name looked up among other keys and files, or null (nobody asks). */
  constructor(input: PlanInput, private readonly lookedUp: LookedUp | null) {
    this.prefix = input.prefix;
    this.options = input.options;
    this.up = input.options.direction !== 'down';
    this.down = input.options.direction !== 'up';
    this.local = input.local;
    for (const remote of input.remote) this.byKey.set(remote.key, { key: remote.key, home: '', remote, entry: undefined, local: undefined, done: false });
    for (const entry of input.journal) {
      if (!entry.key.startsWith(input.prefix)) continue;
      const k = this.byKey.get(entry.key);
      if (k) k.entry = entry;
      else this.byKey.set(entry.key, { key: entry.key, home: '', remote: undefined, entry, local: undefined, done: false });
    }
    for (const file of input.local) this.unclaimed.set(file.path, file);
  }

  plan(): Plan {
    const decodedLocalKeys = this.local.map((file) => decodePathToKey(file.path, this.prefix));
    const mapper = this.mapKnownKeys(decodedLocalKeys);
    this.claimLocalFiles();
    this.classifyUnclaimedLocalFiles(decodedLocalKeys, mapper);
    if (this.options.caseInsensitive) this.reportCaseCollisions();
    if (this.up) this.pairLocalRenames();
    if (this.down) this.pairRemoteRenames();
    const conflictCopy = (key: string, path: string) => this.conflictCopy(key, path);
    for (const k of this.known) if (!k.done) this.push(k.key, k.local?.path ?? k.home, decideKey(k, this.options, conflictCopy));
    for (const n of this.newLocal) if (!n.done) this.push(n.key, n.file.path, decideNewLocal(n.key, n.file, this.options));
    this.items.sort(byKeyThenPath);
    return { items: this.items };
  }

  // ── matching ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Canonical paths over every key in play (a folder seen on either side turns a file `x` into `x%`). */
  private mapKnownKeys(decodedLocalKeys: (string | { reason: string })[]): KeyMapper {
    const decodedKeys = decodedLocalKeys.filter((d): d is string => typeof d === 'string');
    const unrecorded = keyMapper(this.prefix, this.byKey.keys(), decodedKeys);
    this.homeOf = unrecorded.map;
    const mapper = this.lookedUp ? unrecorded.seenBy(this.lookedUp) : unrecorded;
    for (const k of this.byKey.values()) {
      const home = mapper.map(k.key);
      if (typeof home === 'string') {
        k.home = home;
        this.known.push(k);
      } else {
        this.push(k.key, null, { state: 'unmappable', action: null, note: home.reason });
      }
    }
    return mapper;
  }

  /**
   * Give each known key its local file: first the path the journal recorded, then the canonical path, then a path equal
   * after Unicode normalization (and case folding on a case-insensitive file system) — exact names always win.
   */
  private claimLocalFiles(): void {
    const claim = (k: KnownKey, path: string): boolean => {
      this.lookedUp?.path(path);
      const file = this.unclaimed.get(path);
      if (!file) return false;
      k.local = file;
      this.unclaimed.delete(path);
      return true;
    };
    for (const k of this.known) if (k.entry) claim(k, k.entry.path);
    for (const k of this.known) if (!k.local) claim(k, k.home);
    if (this.unclaimed.size === 0) return;

    const unmatched = this.known.filter((k) => !k.local).sort(byKey);
    if (unmatched.length === 0) return;
    const byIdentity = new Map<string, string[]>();
    for (const path of [...this.unclaimed.keys()].sort()) {
      const id = this.identity(path);
      const list = byIdentity.get(id);
      if (list) list.push(path);
      else byIdentity.set(id, [path]);
    }
    for (const k of unmatched) {
      for (const candidate of [k.entry?.path, k.home]) {
        if (candidate === undefined) continue;
        const id = this.identity(candidate);
        this.lookedUp?.identity(id);
        const path = byIdentity.get(id)?.find((p) => this.unclaimed.has(p));
        if (path !== undefined && claim(k, path)) break;
      }
    }
  }

  /** A local file no known key claimed: a new key when its name is canonical, else reported, never uploaded. */
  private classifyUnclaimedLocalFiles(decodedLocalKeys: (string | { reason: string })[], mapper: KeyMapper): void {
    if (this.unclaimed.size === 0) return;
    this.local.forEach((file, i) => {
      const path = file.path;
      this.lookedUp?.path(path);
      if (this.unclaimed.get(path) !== file) return;
      const key = decodedLocalKeys[i];
      if (typeof key !== 'string') {
        this.push('', path, { state: 'unmappable', action: null, note: key.reason });
        return;
      }
      const mapped = mapper.map(key);
      const home = typeof mapped === 'string' ? mapped : undefined;
      this.lookedUp?.key(key);
      const owner = this.byKey.get(key);
      if (owner) {
        const where = owner.local?.path ?? home ?? '(unmappable)';
        this.push('', path, { state: 'unmappable', action: null, note: `another name for key ${JSON.stringify(key)}, whose local file is ${JSON.stringify(where)}` });
      } else if (home !== path) {
        const note = `${JSON.stringify(path)} is not the canonical name of key ${JSON.stringify(key)} (that is ${JSON.stringify(home ?? '(unmappable)')})`;
        this.push('', path, { state: 'unmappable', action: null, note });
      } else {
        this.newLocal.push({ key, file, done: false });
      }
    });
  }

  /**
   * On a case-insensitive file system two keys whose paths fold to the same name would overwrite each other, and a
   * file would stand where another key needs a folder. Whatever is on disk wins, then keys the journal knows, then the
   * first key in order; the others are reported as unmappable instead of being downloaded over each other.
   */
  private reportCaseCollisions(): void {
    const files = new Map<string, string>();
    const folders = new Map<string, string>();
    // Occupying reads no other name back; only `caseClash` does (and records what it reads).
    const occupy = (path: string) => {
      files.set(foldKey(path), path);
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
        const folder = foldKey(path.slice(0, slash));
        if (!folders.has(folder)) folders.set(folder, path.slice(0, slash));
      }
    };
    for (const k of this.known) if (k.local) occupy(rehomeTarget(k, this.options) ?? k.local.path);
    for (const path of this.unclaimed.keys()) occupy(path);

    const withoutFile = this.known.filter((k) => !k.local);
    withoutFile.sort((a, b) => Number(b.entry !== undefined) - Number(a.entry !== undefined) || compareStrings(a.key, b.key));
    for (const k of withoutFile) {
      const clash = caseClash(k.home, files, folders, this.lookedUp);
      if (clash === null) {
        occupy(k.home);
        continue;
      }
      k.done = true;
      this.push(k.key, null, { state: 'unmappable', action: null, note: `case collision on a case-insensitive file system: ${clash}` });
    }
  }

  private fileAt(path: string): LocalFile | null {
    this.lookedUp?.path(path);
    this.byPath ??= new Map(this.local.map((file) => [file.path, file]));
    return this.byPath.get(path) ?? null;
  }

  private identity(path: string): string {
    return this.options.caseInsensitive ? foldKey(path) : nfcKey(path);
  }

  // ── renames ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A journaled file gone from its path while its object is unchanged, plus a new local file with the same qetag:
   * the user renamed it, so the object is moved on the server instead of uploaded again (state renamed-local).
   */
  private pairLocalRenames(): void {
    const gone = this.known
      .filter((k) => !k.done && k.entry && k.remote && !k.local && k.remote.hash === k.entry.remoteHash && k.entry.fsize > 0)
      .sort(byKey);
    if (gone.length === 0) return;
    // Same qetag means same size: the journal side's 0-byte check covers both.
    const fresh = this.newLocal.filter((n) => n.file.hash !== undefined).sort(byKey);
    const pairs = pairByHash(
      gone.map((k) => ({ hash: k.entry!.remoteHash, name: basename(k.entry!.path) })),
      fresh.map((n) => ({ hash: n.file.hash!, name: basename(n.file.path) })),
    );
    for (const [g, f] of pairs) {
      const from = gone[g];
      const to = fresh[f];
      from.done = true;
      to.done = true;
      this.push(to.key, to.file.path, {
        state: 'renamed-local',
        action: { kind: 'move-remote', fromKey: from.key, key: to.key, path: to.file.path, reason: 'renamed-local', local: to.file, remote: from.remote! },
        note: `renamed from ${JSON.stringify(from.entry!.path)}`,
      });
    }
  }

  /**
   * A journaled object gone from the bucket while its local file is unchanged, plus a new key with the same qetag
   * that has no local file yet: renamed in the bucket, so the local file is renamed instead of downloaded again.
   */
  private pairRemoteRenames(): void {
    const gone = this.known
      .filter((k) => !k.done && k.entry && k.local && !k.remote && k.entry.fsize > 0 && localMatchesJournal(k.local, k.entry))
      .sort(byKey);
    if (gone.length === 0) return;
    const fresh = this.known.filter((k) => !k.done && k.remote && !k.entry && !k.local).sort(byKey);
    const pairs = pairByHash(
      gone.map((k) => ({ hash: k.entry!.remoteHash, name: basename(k.key) })),
      fresh.map((k) => ({ hash: k.remote!.hash, name: basename(k.key) })),
    );
    for (const [g, f] of pairs) {
      const from = gone[g];
      const to = fresh[f];
      from.done = true;
      to.done = true;
      this.push(to.key, to.home, {
        state: 'renamed-remote',
        action: { kind: 'move-local', fromKey: from.key, key: to.key, fromPath: from.local!.path, path: to.home, reason: 'renamed-remote', remote: to.remote!, local: from.local! },
        note: `renamed in the bucket from ${JSON.stringify(from.key)}`,
      });
    }
  }

  // ── conflict copies ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Where the local version of a conflicted key goes: beside it, named by `conflictSegment`, at a path no local file,
   * key, folder or earlier conflict copy uses (on either side), with the key that path stands for.
   */
  private conflictCopy(key: string, path: string): { path: string; key: string } {
    const taken = (this.taken ??= this.takenNames());
    const rest = key.slice(this.prefix.length);
    const keyDir = this.prefix + rest.slice(0, rest.lastIndexOf('/') + 1);
    const base = rest.slice(rest.lastIndexOf('/') + 1);
    const pathDir = path.slice(0, path.lastIndexOf('/') + 1);
    const stamp = conflictStamp(this.options.now);
    for (let attempt = 1; ; attempt++) {
      const segment = conflictSegment(base, stamp, attempt, pathDir === '');
      const copy = { path: pathDir + escapeSegment(segment, pathDir === ''), key: keyDir + segment };
      const id = this.identity(copy.path);
      this.lookedUp?.key(copy.key);
      this.lookedUp?.identity(id);
      if (taken.keys.has(copy.key) || taken.paths.has(id)) continue;
      taken.keys.add(copy.key);
      taken.paths.add(id);
      return copy;
    }
  }

  private takenNames(): { keys: Set<string>; paths: Set<string> } {
    const keys = new Set<string>();
    const paths = new Set<string>();
    const addWithFolders = (set: Set<string>, name: string) => {
      set.add(name);
      for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) set.add(name.slice(0, slash));
    };
    for (const key of this.byKey.keys()) addWithFolders(keys, key);
    for (const k of this.known) addWithFolders(paths, this.identity(k.home));
    for (const n of this.newLocal) addWithFolders(keys, n.key);
    for (const file of this.local) addWithFolders(paths, this.identity(file.path));
    return { keys, paths };
  }

  private push(key: string, path: string | null, decision: Decision): void {
    const action = decision.action;
    // A download's target holds no file of its key, yet another key may have claimed the file there (its journaled
    // path is this key's home): the executor must find that file as walked, or nothing if none.
    if (action?.kind === 'download' && action.replaces === null) action.replaces = this.fileAt(action.path);
    // An item names where its file ends up: a move's target, not its source.
    const item: PlanItem = { key, path: decision.action?.path ?? path, state: decision.state, action: decision.action };
    if (decision.note !== undefined) item.note = decision.note;
    this.items.push(item);
  }
}

interface RenameSide {
  hash: string;
  name: string;
}

/**
 * Pair each `gone` entry with at most one `fresh` entry of the same hash: same base name first (a moved folder keeps
 * its file names), then the rest in order. Returns index pairs; both lists are taken in the order given.
 */
function pairByHash(gone: RenameSide[], fresh: RenameSide[]): [number, number][] {
  if (gone.length === 0 || fresh.length === 0) return [];
  const freshByHash = new Map<string, number[]>();
  fresh.forEach((f, i) => {
    const list = freshByHash.get(f.hash);
    if (list) list.push(i);
    else freshByHash.set(f.hash, [i]);
  });
  const pairs: [number, number][] = [];
  const usedFresh = new Set<number>();
  const pairedGone = new Set<number>();
  for (const sameName of [true, false]) {
    gone.forEach((g, gi) => {
      if (pairedGone.has(gi)) return;
      const match = freshByHash.get(g.hash)?.find((fi) => !usedFresh.has(fi) && (!sameName || fresh[fi].name === g.name));
      if (match === undefined) return;
      usedFresh.add(match);
      pairedGone.add(gi);
      pairs.push([gi, match]);
    });
  }
  return pairs;
}

/** Only on a case-insensitive disk, where a path's identity is `foldKey`. */
function caseClash(path: string, files: Map<string, string>, folders: Map<string, string>, lookedUp: LookedUp | null): string | null {
  const folded = foldKey(path);
  lookedUp?.identity(folded);
  const sameFile = files.get(folded);
  if (sameFile !== undefined) return `${JSON.stringify(path)} and ${JSON.stringify(sameFile)} are the same file`;
  const sameFolder = folders.get(folded);
  if (sameFolder !== undefined) return `${JSON.stringify(path)} would be a file where ${JSON.stringify(sameFolder)} is a folder`;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    const folder = foldKey(path.slice(0, slash));
    lookedUp?.identity(folder);
    const blocking = files.get(folder);
    if (blocking !== undefined) return `${JSON.stringify(path)} needs a folder where ${JSON.stringify(blocking)} is a file`;
  }
  return null;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey(a: { key: string }, b: { key: string }): number {
  return compareStrings(a.key, b.key);
}

function byKeyThenPath(a: PlanItem, b: PlanItem): number {
  return compareStrings(a.key, b.key) || compareStrings(a.path ?? '', b.path ?? '');
}
