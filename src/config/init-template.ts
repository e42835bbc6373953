import ini from 'ini';
import { CONFIG_KEYS, type EndpointName } from './parse-config.js';

export interface TemplateOptions {
  bucket?: string;
  domain?: string;
  root?: string;
  /** One base URL for every endpoint (the emulator), or some of them (the rest default to the first given). */
  endpoints?: string | Partial<Record<EndpointName, string>>;
}

/**
 * A fully commented config.ini documenting every key. Without options, `[bucket] name` is left empty so that an
 * unedited file fails with "missing" (exit 3) instead of talking to a placeholder bucket.
 * `config.ini.example` at the repository root is `configTemplate()`.
 */
export function configTemplate(opts: TemplateOptions = {}): string {
  const value = (v: string | undefined) => (v === undefined || v === '' ? '' : ` ${ini.safe(v)}`);
  const endpoints =
    typeof opts.endpoints === 'string'
      ? Object.fromEntries(CONFIG_KEYS.endpoints.map((k) => [k, opts.endpoints as string]))
      : (opts.endpoints ?? {});
  const givenEndpoints = CONFIG_KEYS.endpoints.filter((k) => endpoints[k]);
  const endpointLines =
    givenEndpoints.length > 0
      ? ['[endpoints]', ...givenEndpoints.map((k) => `${k} =${value(endpoints[k])}`)]
      : ['; [endpoints]', ...CONFIG_KEYS.endpoints.map((k) => `; ${k} = http://127.0.0.1:9000`)];
  const staticHosts = givenEndpoints.some((k) => k !== 'uc');
  const regionLine = staticHosts ? '; region = auto   (ignored: [endpoints] sets the hosts)' : 'region = auto';

  return `; qjournal configuration: one file per bucket <-> folder pair.
; Use it with: qjournal sync --config <this file>   (or set QJOURNAL_CONFIG, or name it config.ini in the current folder)
;
; Syntax: "key = value". Lines starting with ";" or "#" are comments, and so is everything after a ";" or "#" inside a
; value: write \\; or \\# for a literal one. An empty value means "use the default". Relative paths are relative to the
; folder of this file; "~/" is your home folder. Unknown keys are reported as warnings (typo protection).
;
; Credentials do not belong here: run "qjournal keys set" (stored encrypted), or set QINIU_ACCESS_KEY and
; QINIU_SECRET_KEY in the environment (they win over the stored ones).

[bucket]
; The bucket's name. Required.
name =${value(opts.bucket)}
; Where downloads come from. Empty (default): the bucket's source domain, which the region query names: the stored
; bytes as they are, signed URLs when the bucket is private. Or a domain bound to the bucket, http:// or https://,
; usually a CDN: cheaper and faster traffic, but after an overwrite a CDN node may serve the old bytes for ~10 minutes,
; and image slimming or gzip can change bytes. A download through it that fails its check is tried once more from the
; source domain. Public buckets are read through permanent URLs, private ones through signed, expiring URLs.
domain =${value(opts.domain)}
; Is the bucket private (downloads must be signed)? true/false (yes/no and 1/0 work too). Default false.
private = false
; Sync only the keys under this prefix; empty = the whole bucket. Local paths are relative to it, so with
; "photos/" the key "photos/a.jpg" is the file "<root>/a.jpg". End it with "/": "photos" also matches "photos2/x".
prefix =
; The bucket's Qiniu region. auto (default): asked once from Qiniu's region query and kept in the journal for the
; day the answer is valid. Or a region id: z0, cn-east-2, z1, z2, na0, as0, ... Not used when [endpoints] sets hosts.
${regionLine}

[local]
; The backup folder. Required. A key "a/b.txt" becomes the folder "a" with the file "b.txt"; keys that cannot be file
; names ("../x", "a//b", ".qjournal/...", ...) are escaped reversibly: see "Keys and paths" in README.md.
root =${value(opts.root ?? './backup')}

[journal]
; The SQLite journal remembering what was synced. Default: <root>/.qjournal/journal.db
; path = ./backup/.qjournal/journal.db

[sync]
; down = bucket -> folder only; up = folder -> bucket only; both = two-way. Default both.
direction = both
; keep (default): nothing is ever deleted on either side. A file deleted locally is downloaded again; a file deleted
;   from the bucket stays local, is reported, and "qjournal restore <key>" uploads it back.
; mirror: deletions are propagated; a deleted local file is kept as a version in <root>/.qjournal/versions/, a
;   deleted object in the bucket's .qjournal-trash/ (see [versions]).
deletes = keep
; When a file changed on both sides:
;   keep-both (default): nothing is lost, the local version is kept beside the remote one under a new name;
;   remote: the bucket's version wins (the local one is kept as a version); local: the folder's version wins;
;   report: change neither side, list the conflict (exit code 7).
conflict = keep-both
; How many transfers run in parallel, 1..64. Default 4.
concurrency = 4
; Comma-separated glob patterns of paths (relative to root) to leave alone, e.g. "*.tmp, cache/". Default: none.
exclude =
; Safety limit: refuse the whole run (nothing applied, exit code 6) when it would delete more than this share of the
; files recorded in the journal. A percentage (50%) or a fraction (0.5). Default 50%.
max_delete = 50%
; Safety limit: refuse the whole run (nothing applied, exit code 6) when it would overwrite or delete more than this
; share of the files recorded in the journal (ransomware, a buggy script). Runs changing fewer than 10 files and the
; first run are never refused; renames never count. Old versions are kept either way. Default 50%.
; For one run: qjournal sync --max-change 100% (or --max-delete 100%).
max_change = 50%
; Bandwidth limit in bytes per second, for downloads and uploads each: a whole number, or with a k/M/G suffix
; (x1024), e.g. 512k or 10M. 0 = unlimited (default).
bwlimit = 0

[versions]
; Before a sync replaces or removes a file, its old bytes are kept as a version (locally in <root>/.qjournal/versions/,
; or in the bucket's .qjournal-trash/ for an object an upload replaces); "qjournal restore --at <time>" brings them
; back. How long a version's bytes are kept after it stopped being current: an age (48h, 90d, 12w, 1y), 0 (not at
; all) or forever. Applied at the end of every successful sync and by "qjournal prune". The version a file had before a
; run the mass-change guard flagged is never pruned.
; Versions replaced by a newer one (overwritten in the bucket, edited locally, the losing side of a conflict). Default 90d.
keep_replaced = 90d
; Versions of files that were deleted (on either side). Default 1y.
keep_deleted = 1y

[log]
; debug | info | warn | error. Default info.
level = info
; Also append log lines to this file (empty = console only). Lines look like
;   2015/07/31 15:21:31.769716 [INFO] Getting a.txt
; Put it outside root (or under <root>/.qjournal/), or it would be uploaded on every run.
file =

[credentials]
; Which stored keys this config uses: "qjournal keys set --config <this file>" stores them in
; ~/.config/qjournal/credentials-<profile>.json. Empty = the shared credentials.json. QINIU_ACCESS_KEY and
; QINIU_SECRET_KEY, when set, still win, and QJOURNAL_CREDENTIALS names a file directly.
profile =

; Custom API hosts for private deployments and the local emulator ("qjournal emulator" prints them). Each is
; scheme://host[:port] with no path, all with the same scheme. With any of rs, rsf, up, api the hosts are fixed: the
; others default to the first one given. With only uc, the region query is asked there and finds the rest.
; Without this section, [bucket] region picks Qiniu's production hosts.
${endpointLines.join('\n')}
`;
}
