/**
 * Kodo's region query (`GET <uc>/v4/query?ak=&bucket=`, shared/qiniu-protocol.md §8.3, §12): what its answer must hold,
 * how long it may be cached, and the advice when an upload reached another region's host. Pure: no I/O.
 */

/** The hosts one bucket lives on, as the region query names them (host[:port], no scheme), and its region id. */
export interface RegionHosts {
  regionId: string;
  up: string[];
  io: string[];
  /** The bucket's source (origin) domain: the stored bytes, no CDN in between. */
  ioSrc: string[];
  rs: string[];
  rsf: string[];
  api: string[];
  uc: string[];
  /** Seconds the answer may be kept. */
  ttlSeconds: number;
}

/** The services an answer must name (node's SDK also reads `uc`; downloads need `io_src`). */
const REQUIRED = ['up', 'io', 'io_src', 'rs', 'rsf', 'api', 'uc'] as const;
/** Kodo answers 86400; a missing or odd ttl is taken as one hour, and no answer is kept longer than a week. */
const DEFAULT_TTL_S = 3600;
const MAX_TTL_S = 7 * 86_400;

/** The first region of a `/v4/query` answer, or why it cannot be used. */
export function parseRegionAnswer(answer: unknown): RegionHosts | { error: string } {
  const first = (answer as { hosts?: unknown } | null)?.hosts;
  if (!Array.isArray(first) || first.length === 0 || typeof first[0] !== 'object' || first[0] === null) {
    return { error: 'the answer names no region (no "hosts")' };
  }
  const region = first[0] as Record<string, unknown>;
  const domains: Partial<Record<(typeof REQUIRED)[number], string[]>> = {};
  const missing: string[] = [];
  for (const service of REQUIRED) {
    const list = (region[service] as { domains?: unknown } | undefined)?.domains;
    const hosts = Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string' && /^[A-Za-z0-9.[\]:-]+$/.test(d)) : [];
    if (hosts.length === 0) missing.push(service);
    else domains[service] = hosts;
  }
  if (missing.length > 0) return { error: `the answer names no host for ${missing.join(', ')}` };
  const regionId = typeof region.region === 'string' && /^[a-z0-9-]+$/.test(region.region) ? region.region : 'unknown';
  const ttl = Number(region.ttl);
  return {
    regionId,
    up: domains.up!,
    io: domains.io!,
    ioSrc: domains.io_src!,
    rs: domains.rs!,
    rsf: domains.rsf!,
    api: domains.api!,
    uc: domains.uc!,
    ttlSeconds: Number.isFinite(ttl) && ttl > 0 ? Math.min(ttl, MAX_TTL_S) : DEFAULT_TTL_S,
  };
}

/**
 * What a cached answer is keyed by besides the bucket: the query host and the access key. Another endpoint or another
 * account may get another answer, so it must not be served this one.
 */
export function regionQuestion(queryBase: string, accessKey: string): string {
  return `${queryBase} ${accessKey}`;
}

/** When an answer fetched at `fetchedAtMs` stops being fresh (the cache keeps it until then). */
export function regionExpiresAt(fetchedAtMs: number, hosts: RegionHosts): number {
  return fetchedAtMs + hosts.ttlSeconds * 1000;
}

/**
 * The region id an `incorrect region, please use up-z2.qiniup.com` answer points at (z0's hosts carry no suffix);
 * null when the text is not that answer.
 */
export function regionOfIncorrectRegion(message: string): string | null {
  const m = /incorrect region.*?please use\s+(?:https?:\/\/)?(up|upload)(?:-([a-z0-9-]+))?\.(?:qiniup\.com|qbox\.me)/i.exec(message);
  if (!m) return null;
  return m[2] ?? 'z0';
}

/** Whether an upload answer is Kodo's "this is another region's host". */
export function isIncorrectRegion(status: number, message: string): boolean {
  return status === 400 && /incorrect region/i.test(message);
}

/**
 * What to tell the user when the bucket lives in `actual` but the run used `configured` (a region id, `auto`, or
 * `[endpoints]` given by hand). `actual` null: the server did not say which region.
 */
export function wrongRegionAdvice(opts: { bucket: string; configured: string | 'endpoints'; actual: string | null; configFile: string }): string {
  const { bucket, configured, actual, configFile } = opts;
  const where = actual ? `is in region ${actual}` : 'is in another region';
  if (configured === 'endpoints') {
    const fix = actual ? `point [endpoints] at region ${actual}'s hosts, or keep` : 'keep';
    return `bucket "${bucket}" ${where}, not the region [endpoints] points at: ${fix} only "uc" in [endpoints] and set "region = auto" in [bucket] of ${configFile}`;
  }
  const not = configured === 'auto' ? 'not the region the query named' : `not ${configured}`;
  const set = actual ? `set "region = ${actual}" (or "region = auto")` : 'set "region = auto"';
  return `bucket "${bucket}" ${where}, ${not}: ${set} in [bucket] of ${configFile}`;
}
