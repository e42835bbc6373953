/**
 * Object key ⇄ local relative path: the reversible escape documented in README "Keys and paths".
 *
 * A key (minus the bucket prefix) is split on `/`; each segment becomes one local name:
 *
 * | key segment                                   | local name                       |
 * |-----------------------------------------------|----------------------------------|
 * | `` (empty: `a//b`, leading or trailing `/`)   | `%`                              |
 * | `.` / `..`                                    | `%2E` / `%2E%2E`                 |
 * | NUL                                           | `%00`                            |
 * | `%` before `25`, `00` or `2E` (any case), or at the end | `%25`                   |
 * | `.qjournal` (any case) as the first segment   | `%2Eqjournal` (case kept)        |
 * | a file `x` next to keys `x/...`               | `x%` (the folder keeps the name) |
 *
 * Every other character, including any other `%` (`50% off`, `a%20b.pdf`), stays as it is: only the sequences the
 * scheme itself writes are escaped, so ordinary names round-trip unchanged. Why this is injective (tested in
 * keys.test.ts):
 * - escaped segments fall into disjoint classes: `%` alone; `%2E`, `%2E%2E`, `%2E<qjournal>` (each starts with `%2E`,
 *   which plain content never does because a `%` before `2E`/`2e` is always written `%25`); and plain content, in
 *   which a bare `%` is never followed by `25`, `00` or `2E` nor at the end, so `%25` and `%00` decode unambiguously;
 * - no escaped segment ends in `%` except `%` itself, so the beside-folder mark `%` is recognisable (`%%` = an empty
 *   file segment beside an empty folder segment);
 * - escaped segments never contain `/`, so segments and their count survive the join.
 * A local name is accepted only in this canonical form (escaping what it decodes to gives the same name back), so each
 * key has exactly one path and each path at most one key.
 */
import type { LookedUp } from './looked-up.js';

export type KeyMapping = { kind: 'mapped'; path: string } | { kind: 'unmappable'; reason: string };
export type PathMapping = { kind: 'mapped'; key: string } | { kind: 'unmappable'; reason: string };

/** The tool's own folder at the top of the backup root (local/root-paths.ts has the same name; core imports no I/O). */
export const STATE_DIR_NAME = '.qjournal';
/** Longest file name (one path segment) most local file systems accept, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

const ESCAPED_EMPTY = '%';
const ESCAPED_DOT = '%2E';
const ESCAPED_DOTDOT = '%2E%2E';
const BESIDE_FOLDER_MARK = '%';
const PERCENT_OR_NUL = /[%\0]/;
/** The `%` sequences this scheme writes (`%25`, `%00`, `%2E`, in any case) and a `%` that ends a name. */
const NEEDS_PERCENT_ESCAPE = /%(?=25|00|2[Ee]|$)|\0/g;
const ESCAPE_SEQUENCE = /%(?:(25|00|2[Ee])|$)/g;

/** One key segment as a local name (without the beside-folder mark). `atRoot`: the first segment below the prefix. */
export function escapeSegment(segment: string, atRoot: boolean): string {
  if (segment === '') return ESCAPED_EMPTY;
  if (segment === '.') return ESCAPED_DOT;
  if (segment === '..') return ESCAPED_DOTDOT;
  const escaped = PERCENT_OR_NUL.test(segment) ? segment.replace(NEEDS_PERCENT_ESCAPE, (m) => (m === '%' ? '%25' : '%00')) : segment;
  if (atRoot && isStateDirName(escaped)) return ESCAPED_DOT + escaped.slice(1);
  return escaped;
}

/** Map every key to its local path. The whole key set is needed: a file `x` beside keys `x/...` becomes `x%`. */
export function mapKeys(keys: Iterable<string>, prefix: string): Map<string, KeyMapping> {
  const unique = new Set(keys);
  const mapper = keyMapper(prefix, unique);
  const out = new Map<string, KeyMapping>();
  for (const key of unique) {
    const mapped = mapper.map(key);
    out.set(key, typeof mapped === 'string' ? { kind: 'mapped', path: mapped } : { kind: 'unmappable', reason: mapped.reason });
  }
  return out;
}

export interface KeyMapper {
  /** The canonical local path of `key`, or why it has none. */
  map(key: string): string | { reason: string };
  /** The same mapping, telling `lookedUp` each folder it asks about (as a key: is `key` a folder?). */
  seenBy(lookedUp: LookedUp): KeyMapper;
}

/**
 * `mapKeys` one key at a time, without building a result per key (the planner maps a million keys per run). The folder
 * set is taken from every key passed in (several iterables, so callers need not merge them); `map` accepts any key
 * that was among them.
 */
export function keyMapper(prefix: string, ...keySets: Iterable<string>[]): KeyMapper {
  const folders = new Set<string>();
  for (const keys of keySets) addFolderRests(folders, keys, prefix);
  return mapperOver(prefix, folders);
}

/** `folders`: the key rests (below the prefix) that have keys below them. */
function mapperOver(prefix: string, folders: FolderRests): KeyMapper {
  return {
    map: (key) => mapOneKey(key, prefix, folders),
    seenBy: (lookedUp) => mapperOver(prefix, { has: (rest) => (lookedUp.key(prefix + rest), folders.has(rest)) }),
  };
}

type FolderRests = Pick<ReadonlySet<string>, 'has'>;

/**
 * The inverse for local relative paths (`/`-separated): a path maps to a key only when it is the canonical name of that
 * key given all the paths passed together; anything else (e.g. `a%2E.txt`, `%2e`, `x%` without a folder `x/`, a path
 * inside `.qjournal/`) is unmappable and must never be uploaded under a guessed key.
 */
export function mapPaths(paths: Iterable<string>, prefix: string): Map<string, PathMapping> {
  const unique = [...new Set(paths)];
  const decoded = new Map<string, DecodedPath>();
  for (const path of unique) decoded.set(path, decodePath(path, prefix));
  const keys: string[] = [];
  for (const d of decoded.values()) if (d.kind === 'decoded') keys.push(d.key);
  const canonical = mapKeys(keys, prefix);
  const out = new Map<string, PathMapping>();
  for (const [path, d] of decoded) {
    if (d.kind === 'invalid') {
      out.set(path, { kind: 'unmappable', reason: d.reason });
      continue;
    }
    const expected = canonical.get(d.key)!;
    if (expected.kind === 'unmappable') out.set(path, expected);
    else if (expected.path !== path) out.set(path, { kind: 'unmappable', reason: notCanonicalReason(path, d.key, expected.path) });
    else out.set(path, { kind: 'mapped', key: d.key });
  }
  return out;
}

export type DecodedPath = { kind: 'decoded'; key: string } | { kind: 'invalid'; reason: string };

/**
 * Decode one local path segment by segment, checking that every name is canonical on its own. Whether a trailing `%`
 * mark is right depends on the other keys (is there a folder of that name?): callers check the result against
 * `mapKeys` over the full key set, as `mapPaths` does.
 */
export function decodePath(path: string, prefix: string): DecodedPath {
  const key = decodePathToKey(path, prefix);
  return typeof key === 'string' ? { kind: 'decoded', key } : { kind: 'invalid', reason: key.reason };
}

/** `decodePath` without a result object for the common case (the planner decodes every local path of a run). */
export function decodePathToKey(path: string, prefix: string): string | { reason: string } {
  if (isPlain(path)) return prefix + path;
  const names = path.split('/');
  const segments: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const segment = decodeLocalName(names[i], i === 0, i === names.length - 1);
    if (typeof segment !== 'string') return segment;
    segments.push(segment);
  }
  return prefix + segments.join('/');
}

/**
 * The key segment one local name stands for (`decodePathToKey` of a path, one name at a time): `isLast` names a file,
 * which may carry the beside-folder mark. The walker uses it to visit a folder in key order.
 */
export function decodeLocalName(name: string, atRoot: boolean, isLast: boolean): string | { reason: string } {
  if (atRoot && name === STATE_DIR_NAME) return { reason: `inside the tool's own ${STATE_DIR_NAME}/ folder` };
  const unmarked = isLast && name.length > 1 && name.endsWith(BESIDE_FOLDER_MARK) ? name.slice(0, -1) : name;
  return unescapeName(unmarked, atRoot);
}

/** Unicode NFC: the form two names are compared in when a file system may hand back NFD (macOS). */
export function nfcKey(s: string): string {
  return s.normalize('NFC');
}

/** NFC, then lower case: the identity of a name on a case-insensitive file system. */
export function foldKey(s: string): string {
  return nfcKey(s).toLowerCase();
}

/** UTF-8 length of a string without allocating (lone surrogates count as the 3-byte replacement character). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isStateDirName(name: string): boolean {
  return name.length === STATE_DIR_NAME.length && name.toLowerCase() === STATE_DIR_NAME;
}

/**
 * True when every segment is its own escape: no `%`, no NUL, no empty, `.` or `..` segment, no `.qjournal` at the top.
 * Nearly all keys are plain, and a plain key's path is the key itself (plus the beside-folder mark).
 */
function isPlain(rest: string): boolean {
  return rest !== '' && !NOT_PLAIN.test(rest) && !STATE_DIR_AT_ROOT.test(rest);
}
const NOT_PLAIN = /[%\0]|^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)/;
const STATE_DIR_AT_ROOT = /^\.qjournal(?:\/|$)/i;

/** Add every key remainder (after the prefix) that has keys below it, i.e. is a folder. */
function addFolderRests(folders: Set<string>, keys: Iterable<string>, prefix: string): void {
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = prefix === '' ? key : key.slice(prefix.length);
    for (let slash = rest.indexOf('/'); slash !== -1; slash = rest.indexOf('/', slash + 1)) folders.add(rest.slice(0, slash));
  }
}

function mapOneKey(key: string, prefix: string, folders: FolderRests): string | { reason: string } {
  if (!key.startsWith(prefix)) return { reason: `does not start with the bucket prefix ${JSON.stringify(prefix)}` };
  const rest = prefix === '' ? key : key.slice(prefix.length);
  const mark = folders.has(rest) ? BESIDE_FOLDER_MARK : '';
  // A UTF-16 unit is at most 3 UTF-8 bytes: a short path has no name over the limit.
  if (isPlain(rest) && (rest.length + 1) * 3 <= MAX_NAME_BYTES) return rest + mark;
  const segments = rest.split('/');
  const names = segments.map((segment, i) => escapeSegment(segment, i === 0));
  names[names.length - 1] += mark;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name.length * 3 <= MAX_NAME_BYTES) continue;
    const bytes = utf8Length(name);
    if (bytes > MAX_NAME_BYTES) {
      const shown = segments[i].length > 40 ? `${segments[i].slice(0, 40)}…` : segments[i];
      return { reason: `path segment ${JSON.stringify(shown)} is ${bytes} bytes as a file name; local file names are limited to ${MAX_NAME_BYTES} bytes` };
    }
  }
  return names.join('/');
}

/** The key segment a canonical local name stands for, or why the name is not canonical. */
function unescapeName(name: string, atRoot: boolean): string | { reason: string } {
  if (name === '') return { reason: 'empty path segment' };
  if (name === ESCAPED_EMPTY) return '';
  if (name === ESCAPED_DOT) return '.';
  if (name === ESCAPED_DOTDOT) return '..';
  if (atRoot && name.startsWith(ESCAPED_DOT) && isStateDirName(`.${name.slice(ESCAPED_DOT.length)}`)) {
    return `.${name.slice(ESCAPED_DOT.length)}`;
  }
  let badEscape: string | null = null;
  const segment = name.replace(ESCAPE_SEQUENCE, (m: string, hex: string | undefined) => {
    if (hex === '25') return '%';
    if (hex === '00') return '\0';
    badEscape ??= m;
    return m;
  });
  if (badEscape === '%') return { reason: `${JSON.stringify(name)} ends in a "%" that is not an escape qjournal writes` };
  if (badEscape !== null) {
    return { reason: `${JSON.stringify(name)} contains ${JSON.stringify(badEscape)}, which is not an escape qjournal writes (only %25, %00, %2E and %)` };
  }
  const canonical = escapeSegment(segment, atRoot);
  if (canonical !== name) return { reason: `${JSON.stringify(name)} is not canonical: the key segment it stands for is written ${JSON.stringify(canonical)}` };
  return segment;
}

function notCanonicalReason(path: string, key: string, expected: string): string {
  return `${JSON.stringify(path)} is not the canonical name of key ${JSON.stringify(key)} (that is ${JSON.stringify(expected)})`;
}
