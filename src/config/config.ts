import type { ConflictPolicy, DeletePolicy, Direction } from '../core/types.js';
import type { LogLevel } from '../log/log-level.js';

export type { LogLevel };

/** A validated config.ini (see shared/contract.md). Paths are absolute (resolved against the config file's folder). */
export interface Config {
  /** Absolute path of the config file this came from (for messages). */
  file: string;
  bucket: {
    name: string;
    /**
     * `[bucket] domain`: a download base URL (usually a CDN), no trailing slash, e.g. `http://cdn.example.com`; null =
     * download from the bucket's source domain (the region query's `io_src`).
     */
    domain: string | null;
    private: boolean;
    /** Only keys under this prefix ('' = whole bucket). Local paths are relative to it. */
    prefix: string;
  };
  local: {
    root: string;
  };
  journal: {
    /** `<root>/.qjournal/journal.db` unless `[journal] path` is set. */
    path: string;
  };
  sync: {
    direction: Direction;
    deletes: DeletePolicy;
    conflict: ConflictPolicy;
    concurrency: number;
    exclude: string[];
    /** Fraction of journal rows a single run may delete (0..1), default 0.5. */
    maxDelete: number;
    /** Fraction of journal rows a single run may overwrite or delete (0..1), default 0.5 (core/guard.ts). */
    maxChange: number;
    /** Bytes per second, up and down; 0 = unlimited. */
    bwlimit: number;
  };
  /** `[versions]`: how long old versions keep their bytes (ms; null = forever). See core/retention.ts. */
  versions: {
    keepReplacedMs: number | null;
    keepDeletedMs: number | null;
  };
  log: {
    level: LogLevel;
    file: string | null;
  };
  /** Static service hosts (`[endpoints]` with any of rs, rsf, up, api); null = the region's hosts. */
  endpoints: { rs: string; rsf: string; up: string; api: string; uc: string } | null;
  /** `[bucket] region`: `auto` (the default: ask the region query) or a Qiniu region id; unused with static endpoints. */
  region: string;
  /** The uc base URL the region query is sent to: `[endpoints] uc`, else `https://uc.qiniuapi.com`. */
  regionQuery: string;
  /** `[credentials] profile`: the stored keys are `credentials-<profile>.json` (null = `credentials.json`). */
  credentials: { profile: string | null };
}

export interface Credentials {
  accessKey: string;
  secretKey: string;
}
