import path from 'node:path';
import ini from 'ini';
import type { ConflictPolicy, DeletePolicy, Direction } from '../core/types.js';
import type { ConfigProblem } from '../errors.js';
import { closestName } from './closest-name.js';
import { DEFAULT_RETENTION, parseRetention } from '../core/retention.js';
import type { Config, LogLevel } from './config.js';

/** Every section and key config.ini understands (shared/contract.md plus `region`, `max_delete`, `bwlimit`, `[journal]`). */
export const CONFIG_KEYS = {
  bucket: ['name', 'domain', 'private', 'prefix', 'region'],
  local: ['root'],
  journal: ['path'],
  sync: ['direction', 'deletes', 'conflict', 'concurrency', 'exclude', 'max_delete', 'max_change', 'bwlimit'],
  versions: ['keep_replaced', 'keep_deleted'],
  log: ['level', 'file'],
  endpoints: ['rs', 'rsf', 'up', 'api', 'uc'],
  credentials: ['profile'],
} as const satisfies Record<string, readonly string[]>;

export type ConfigSection = keyof typeof CONFIG_KEYS;
export type EndpointName = (typeof CONFIG_KEYS.endpoints)[number];

export const DIRECTIONS = ['down', 'up', 'both'] as const satisfies readonly Direction[];
export const DELETE_POLICIES = ['keep', 'mirror'] as const satisfies readonly DeletePolicy[];
export const CONFLICT_POLICIES = ['keep-both', 'remote', 'local', 'report'] as const satisfies readonly ConflictPolicy[];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];

/** Defaults for every optional key (contract.md). */
export const CONFIG_DEFAULTS = {
  private: false,
  prefix: '',
  region: 'auto',
  /** Kodo's production region query host (shared/qiniu-protocol.md §12). */
  regionQuery: 'https://uc.qiniuapi.com',
  direction: 'both' as Direction,
  deletes: 'keep' as DeletePolicy,
  conflict: 'keep-both' as ConflictPolicy,
  concurrency: 4,
  maxConcurrency: 64,
  maxDelete: 0.5,
  maxChange: 0.5,
  bwlimit: 0,
  level: 'info' as LogLevel,
};

export interface ParsedConfig {
  /** null when there is at least one error. */
  config: Config | null;
  /** Unknown sections/keys (with a suggestion), duplicates, ignored values: `<file>: [section] key: message`. */
  warnings: string[];
  /** Every problem found, not just the first. */
  errors: ConfigProblem[];
}

/**
 * Validate config.ini text. Pure: no I/O (path resolution only computes strings).
 *
 * - `file` is the config file's absolute path: it names the file in every problem, and relative paths (`[local] root`,
 *   `[journal] path`, `[log] file`) resolve against its folder. A leading `~` / `~/` expands to `env.HOME`.
 * - Empty values (`prefix =`) mean "not set": the default applies; for a required key that is a "missing" error.
 * - Enum and boolean values are case-insensitive.
 * - `[endpoints]`: setting any of rs, rsf, up, api makes the service hosts static: every endpoint not given defaults to
 *   the first one given (in file order), so a single `rs = http://127.0.0.1:9000` points everything at the emulator.
 *   Setting only `uc` keeps the hosts found by the region query, asked at that uc. Endpoints are `scheme://host[:port]`
 *   with no path, all with the same scheme (the SDK uses one scheme for all). Without static endpoints,
 *   `[bucket] region` (default auto: ask the region query) picks the hosts. See sync/resolve-region.ts.
 */
export function parseConfig(text: string, file: string, env: Record<string, string | undefined> = {}): ParsedConfig {
  const errors: ConfigProblem[] = [];
  const warnings: string[] = [];
  const problem = (section: string, key: string, message: string) => errors.push({ file, section, key, message });
  const warn = (section: string, key: string, message: string) =>
    warnings.push(`${file}: ${section === '' ? '(before any section)' : `[${section}]`}${key ? ` ${key}` : ''}: ${message}`);

  if (text.startsWith('\uFEFF')) text = text.slice(1); // a byte order mark would turn `[bucket]` into a key
  const { sections, strays } = readSections(text);
  const scan = scanLines(text);

  // Typo protection: unknown sections and keys are ignored, with a suggestion. When the config has errors they are
  // errors too, listed first: `nmae = x` is why `name` is missing.
  const typos: ConfigProblem[] = [];
  const typo = (section: string, key: string, message: string) => {
    warn(section, key, message);
    typos.push({ file, section, key, message });
  };
  for (const [key] of strays) {
    const home = sectionOf(key);
    typo('', key, `key outside any section, ignored${home ? ` (did you mean to put it under [${home}]?)` : ''}`);
  }
  for (const [section, values] of sections) {
    if (!isKnownSection(section)) {
      const guess = closestName(section, Object.keys(CONFIG_KEYS));
      typo(section, '', `unknown section, ignored${guess ? ` (did you mean [${guess}]?)` : ''}`);
      continue;
    }
    const known: readonly string[] = CONFIG_KEYS[section];
    for (const key of values.keys()) {
      if (known.includes(key)) continue;
      const guess = closestName(key, known);
      const elsewhere = sectionOf(key);
      const hint = guess ? ` (did you mean "${guess}"?)` : elsewhere ? ` (did you mean to put it under [${elsewhere}]?)` : '';
      typo(section, key, `unknown key, ignored${hint}`);
    }
  }
  for (const { section, key } of scan.duplicates) {
    if (isKnownSection(section)) warn(section, key, 'given more than once; the last value wins');
  }

  /** The trimmed value, or undefined when absent or empty. */
  const get = (section: ConfigSection, key: string, opts: { list?: boolean } = {}): string | undefined => {
    const raw = sections.get(section)?.get(key);
    if (raw === undefined) return undefined;
    if (scan.bare.has(`${section}\0${key}`)) {
      problem(section, key, `has no value: write "${key} = <value>"`);
      return undefined;
    }
    if (Array.isArray(raw)) {
      if (opts.list) return raw.map((v) => String(v)).join(',');
      problem(section, key, `must be a single value (remove the "[]" after "${key}")`);
      return undefined;
    }
    const value = String(raw).trim();
    return value === '' ? undefined : value;
  };
  const required = (section: ConfigSection, key: string, example: string): string | undefined => {
    const value = get(section, key);
    if (value === undefined && !errors.some((e) => e.section === section && e.key === key)) {
      problem(section, key, `missing: this key is required, e.g. "${key} = ${example}"`);
    }
    return value;
  };
  const oneOf = <T extends string>(section: ConfigSection, key: string, allowed: readonly T[], fallback: T): T => {
    const value = get(section, key)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problem(section, key, `must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  };
  const resolvePath = (section: ConfigSection, key: string, value: string): string => {
    let p = value;
    if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
      const home = env.HOME || env.USERPROFILE;
      if (!home) {
        problem(section, key, `cannot expand "~": HOME is not set (write an absolute path)`);
        return value;
      }
      p = path.join(home, p.slice(1));
    }
    return path.resolve(path.dirname(file), p);
  };

  // [bucket]
  const name = required('bucket', 'name', 'my-bucket');
  const domainRaw = get('bucket', 'domain');
  let domain: string | null = null;
  if (domainRaw !== undefined) {
    const checked = checkUrl(domainRaw, { allowPath: true });
    if (typeof checked === 'string') domain = checked;
    else problem('bucket', 'domain', checked.error.includes('did you mean') ? checked.error : `${checked.error}; e.g. "domain = http://cdn.example.com"`);
  }
  const privateBucket = parseBoolean(get('bucket', 'private'));
  if (privateBucket === null) problem('bucket', 'private', `must be true or false (yes/no, 1/0 also work; got "${get('bucket', 'private')}")`);
  const prefix = get('bucket', 'prefix') ?? CONFIG_DEFAULTS.prefix;
  const regionGiven = get('bucket', 'region');
  const region = regionGiven ?? CONFIG_DEFAULTS.region;
  if (regionGiven !== undefined && !/^[a-z0-9-]+$/.test(regionGiven)) {
    problem('bucket', 'region', `must be auto or a Qiniu region id such as z0, z1, z2, na0, as0, cn-east-2 (got "${regionGiven}")`);
  }

  // [local] and [journal]
  const rootRaw = required('local', 'root', './backup');
  const root = rootRaw === undefined ? '' : resolvePath('local', 'root', rootRaw);
  const journalRaw = get('journal', 'path');
  const journalPath = journalRaw !== undefined ? resolvePath('journal', 'path', journalRaw) : root && path.join(root, '.qjournal', 'journal.db');

  // [sync]
  const direction = oneOf('sync', 'direction', DIRECTIONS, CONFIG_DEFAULTS.direction);
  const deletes = oneOf('sync', 'deletes', DELETE_POLICIES, CONFIG_DEFAULTS.deletes);
  const conflict = oneOf('sync', 'conflict', CONFLICT_POLICIES, CONFIG_DEFAULTS.conflict);
  const concurrencyRaw = get('sync', 'concurrency');
  let concurrency = CONFIG_DEFAULTS.concurrency;
  if (concurrencyRaw !== undefined) {
    const n = /^\d+$/.test(concurrencyRaw) ? Number(concurrencyRaw) : NaN;
    if (n >= 1 && n <= CONFIG_DEFAULTS.maxConcurrency) concurrency = n;
    else problem('sync', 'concurrency', `must be a whole number from 1 to ${CONFIG_DEFAULTS.maxConcurrency} (got "${concurrencyRaw}")`);
  }
  const exclude = splitList(get('sync', 'exclude', { list: true }));
  const maxDeleteRaw = get('sync', 'max_delete');
  let maxDelete = CONFIG_DEFAULTS.maxDelete;
  if (maxDeleteRaw !== undefined) {
    const parsed = parseFraction(maxDeleteRaw);
    if (typeof parsed === 'number') maxDelete = parsed;
    else problem('sync', 'max_delete', `${parsed.error} (got "${maxDeleteRaw}")`);
  }
  const maxChangeRaw = get('sync', 'max_change');
  let maxChange = CONFIG_DEFAULTS.maxChange;
  if (maxChangeRaw !== undefined) {
    const parsed = parseFraction(maxChangeRaw);
    if (typeof parsed === 'number') maxChange = parsed;
    else problem('sync', 'max_change', `${parsed.error} (got "${maxChangeRaw}")`);
  }
  const bwlimitRaw = get('sync', 'bwlimit');
  let bwlimit = CONFIG_DEFAULTS.bwlimit;
  if (bwlimitRaw !== undefined) {
    const parsed = parseBytesPerSecond(bwlimitRaw);
    if (parsed === null) {
      problem('sync', 'bwlimit', `must be bytes per second: a whole number or one with a k/M/G suffix such as 512k or 10M; 0 = unlimited (got "${bwlimitRaw}")`);
    } else bwlimit = parsed;
  }

  // [versions]
  const retention = (key: 'keep_replaced' | 'keep_deleted', fallback: number | null): number | null => {
    const raw = get('versions', key);
    if (raw === undefined) return fallback;
    const parsed = parseRetention(raw);
    if (parsed) return parsed.ms;
    problem('versions', key, `must be an age like 90d, 12w, 1y or 48h, 0 (keep nothing) or forever (got "${raw}")`);
    return fallback;
  };
  const versions = {
    keepReplacedMs: retention('keep_replaced', DEFAULT_RETENTION.keepReplacedMs),
    keepDeletedMs: retention('keep_deleted', DEFAULT_RETENTION.keepDeletedMs),
  };

  // [log]
  const level = oneOf('log', 'level', LOG_LEVELS, CONFIG_DEFAULTS.level);
  const logRaw = get('log', 'file');
  const logFile = logRaw === undefined ? null : resolvePath('log', 'file', logRaw);

  // [endpoints]
  let endpoints: Config['endpoints'] = null;
  let regionQuery: string = CONFIG_DEFAULTS.regionQuery;
  const endpointValues = sections.get('endpoints');
  if (endpointValues) {
    const given: [EndpointName, string][] = [];
    let scheme: string | undefined;
    for (const key of endpointValues.keys()) {
      if (!(CONFIG_KEYS.endpoints as readonly string[]).includes(key)) continue;
      const value = get('endpoints', key);
      if (value === undefined) continue;
      const checked = checkUrl(value, { allowPath: false });
      if (typeof checked !== 'string') {
        problem('endpoints', key, `${checked.error}, e.g. "${key} = http://127.0.0.1:9000"`);
        continue;
      }
      const thisScheme = new URL(checked).protocol;
      scheme ??= thisScheme;
      if (thisScheme !== scheme) {
        problem('endpoints', key, `all endpoints must use the same scheme (${scheme.slice(0, -1)}), got "${checked}"`);
        continue;
      }
      given.push([key as EndpointName, checked]);
    }
    const first = given[0]?.[1];
    const byName = new Map(given);
    if (byName.has('uc')) regionQuery = byName.get('uc')!;
    if (first !== undefined && given.some(([key]) => key !== 'uc')) {
      const pick = (key: EndpointName) => byName.get(key) ?? first;
      endpoints = { rs: pick('rs'), rsf: pick('rsf'), up: pick('up'), api: pick('api'), uc: pick('uc') };
      regionQuery = endpoints.uc;
      if (regionGiven !== undefined) warn('bucket', 'region', 'ignored because [endpoints] sets service hosts');
    } else if (first === undefined && !errors.some((e) => e.section === 'endpoints')) {
      warn('endpoints', '', `no endpoint is set (${CONFIG_KEYS.endpoints.join(', ')}); using Qiniu's production hosts (region ${region})`);
    }
  }

  // [credentials]: which stored keys this config uses (`qjournal keys set --config F` stores them there).
  const profile = get('credentials', 'profile') ?? null;
  if (profile !== null && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(profile)) {
    problem('credentials', 'profile', `must be a name made of letters, digits, ".", "_" and "-", e.g. "profile = work" (got "${profile}")`);
  }

  // Files the tool rewrites on every run must not be synced like user files.
  const ownFolder = root && path.join(root, '.qjournal');
  const warnIfSynced = (section: string, key: string, p: string | null) => {
    if (!p || !root || !isInside(p, root) || isInside(p, ownFolder)) return;
    const rel = path.relative(root, p).split(path.sep).join('/');
    if (exclude.some((g) => g === rel || g === path.basename(p) || g === `/${rel}`)) return;
    warn(section, key, `${p} lies inside [local] root and changes on every run, so it would be uploaded every run; move it or add "${rel}" to [sync] exclude`);
  };
  warnIfSynced('log', 'file', logFile);
  warnIfSynced('journal', 'path', journalRaw === undefined ? null : journalPath);

  if (errors.length > 0 || name === undefined || privateBucket === null) return { config: null, warnings, errors: [...typos, ...errors] };
  return {
    config: {
      file,
      bucket: { name, domain, private: privateBucket, prefix },
      local: { root },
      journal: { path: journalPath },
      sync: { direction, deletes, conflict, concurrency, exclude, maxDelete, maxChange, bwlimit },
      versions,
      log: { level, file: logFile },
      endpoints,
      region,
      regionQuery,
      credentials: { profile },
    },
    warnings,
    errors,
  };
}

/** `true/false/yes/no/1/0` (any case); undefined → false (the default); anything else → null. */
export function parseBoolean(value: string | undefined): boolean | null {
  if (value === undefined) return CONFIG_DEFAULTS.private;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return null;
}

/** `50%` or `0.5` → 0.5. Must lie in 0..1 (0 % .. 100 %). */
export function parseFraction(value: string): number | { error: string } {
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
  if (percent) {
    const n = Number(percent[1]) / 100;
    return n <= 1 ? n : { error: 'must be at most 100%' };
  }
  if (/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value)) {
    const n = Number(value);
    if (n <= 1) return n;
    return { error: `must be a percentage like 50% or a fraction from 0 to 1 like 0.5 (did you mean ${value}%?)` };
  }
  return { error: 'must be a percentage like 50% or a fraction from 0 to 1 like 0.5' };
}

/**
 * Bytes per second: `1048576`, or a number with a binary suffix k/M/G (×1024, case-insensitive; an optional `B`,
 * `iB` and `/s` are accepted: `512k`, `10M`, `1.5MiB/s`). 0 = unlimited. null when invalid.
 */
export function parseBytesPerSecond(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?(?:\/s)?$/i.exec(value);
  if (!m) return null;
  const unit = m[2]?.toLowerCase();
  if (!unit && m[1].includes('.')) return null;
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(n) ? n : null;
}

/** `*.tmp, cache/ ,` → `['*.tmp', 'cache/']`. */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** An http(s) URL without query, fragment or credentials, returned without trailing slashes. */
function checkUrl(value: string, opts: { allowPath: boolean }): string | { error: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const hint = /^[\w.-]+(:\d+)?(\/.*)?$/.test(value) ? ` (did you mean "http://${value}"?)` : '';
    return { error: `must be an http:// or https:// URL (got "${value}")${hint}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `must be an http:// or https:// URL (got "${value}")` };
  if (!url.hostname) return { error: `has no host name (got "${value}")` };
  if (url.username || url.password) return { error: 'must not contain a user name or password' };
  if (url.search || url.hash) return { error: `must not contain a query string (got "${value}")` };
  if (!opts.allowPath && url.pathname !== '/') return { error: `must be scheme://host[:port] with no path (got "${value}")` };
  return value.replace(/\/+$/, '');
}

function isKnownSection(section: string): section is ConfigSection {
  return Object.hasOwn(CONFIG_KEYS, section);
}

/** The section a known key belongs to (for "did you mean to put it under [local]?"). */
function sectionOf(key: string): ConfigSection | undefined {
  return (Object.keys(CONFIG_KEYS) as ConfigSection[]).find((s) => (CONFIG_KEYS[s] as readonly string[]).includes(key));
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The `ini` package's result as flat sections. `ini` nests dotted section names (`[sync.x]` → `sync.x` inside `sync`)
 * and puts keys that precede every section at the top level: undo both so each gets its own warning.
 */
function readSections(text: string): { sections: Map<string, Map<string, unknown>>; strays: Map<string, unknown> } {
  const parsed = ini.parse(text) as Record<string, unknown>;
  const sections = new Map<string, Map<string, unknown>>();
  const strays = new Map<string, unknown>();
  const isSection = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const add = (name: string, obj: Record<string, unknown>) => {
    const values = new Map<string, unknown>();
    sections.set(name, values);
    for (const [key, value] of Object.entries(obj)) {
      if (isSection(value)) add(`${name}.${key}`, value);
      else values.set(key, value);
    }
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (isSection(value)) add(key, value);
    else strays.set(key, value);
  }
  return { sections, strays };
}

/**
 * What `ini` silently smooths over, found by reading the lines the way it does: a key given twice in a section (the
 * last wins) and a key with no `=` at all (which `ini` reads as `true`).
 */
function scanLines(text: string): { duplicates: { section: string; key: string }[]; bare: Set<string> } {
  const seen = new Set<string>();
  const reported = new Set<string>();
  const duplicates: { section: string; key: string }[] = [];
  const bare = new Set<string>();
  let section = '';
  for (const line of text.split(/[\r\n]+/)) {
    if (/^\s*([;#]|$)/.test(line)) continue;
    const m = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/.exec(line);
    if (!m) continue;
    if (m[1] !== undefined) {
      section = ini.unsafe(m[1]);
      continue;
    }
    const key = ini.unsafe(m[2]);
    if (key.endsWith('[]')) continue;
    const id = `${section}\0${key}`;
    if (m[3] === undefined) bare.add(id);
    else bare.delete(id);
    if (seen.has(id) && !reported.has(id)) {
      reported.add(id);
      duplicates.push({ section, key });
    }
    seen.add(id);
  }
  return { duplicates, bare };
}
