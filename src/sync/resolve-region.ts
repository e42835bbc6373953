import type { Config, Credentials } from '../config/config.js';
import { parseRegionAnswer, regionExpiresAt, regionQuestion, wrongRegionAdvice, type RegionHosts } from '../core/region-answer.js';
import { ConfigError, RemoteError } from '../errors.js';
import { readCachedRegion, storeRegionAnswer } from '../journal/region-cache.js';
import type { KodoHosts } from '../remote/kodo-account.js';
import { hostsFromAnswer, hostsFromEndpoints, hostsFromRegionId } from '../remote/kodo-hosts.js';

export interface ResolvedHosts {
  hosts: KodoHosts;
  /**
   * Keep an answer fetched this run in the journal, if it was not kept yet because the journal did not exist (a first
   * run creates it): called when the command ends. Does nothing otherwise.
   */
  remember(): void;
  /** Said at WARN by the caller: the query failed but the config names its hosts and a domain, so the run goes on. */
  warning: string | null;
}

/**
 * The bucket's hosts for this run, resolved once, before anything else talks to Kodo (the lock-free listing needs
 * them). The rule (README "Region and download source"):
 * - `[endpoints]` with service hosts and a `[bucket] domain`: both static, no query (the emulator, the demo, tests);
 * - otherwise the region query is asked at `[endpoints] uc` (else uc.qiniuapi.com): with `region = auto` its hosts are
 *   used, with an explicit region id the SDK's table for it (and the query must agree on the region, else exit 3
 *   with the advice), with static endpoints only its source domain (`io_src`, the downloads' origin).
 * An answer is cached in the journal for its ttl, keyed by bucket, query host and access key: a run whose cache is
 * fresh costs one SQLite read, no round trip. An unreachable query throws its RemoteError (exit 4) before anything.
 */
export async function resolveHosts(config: Config, credentials: Credentials, nowMs = Date.now()): Promise<ResolvedHosts> {
  const nothing = { remember() {}, warning: null };
  if (config.endpoints && config.bucket.domain !== null) return { hosts: hostsFromEndpoints(config.endpoints, null), ...nothing };

  const bucket = config.bucket.name;
  const asked = regionQuestion(config.regionQuery, credentials.accessKey);
  let answer = cached(config.journal.path, bucket, asked, nowMs);
  let remember = nothing.remember;
  if (!answer) {
    const { queryRegion } = await import('../remote/query-region.js');
    let fetched: Awaited<ReturnType<typeof queryRegion>>;
    try {
      fetched = await queryRegion(config.regionQuery, credentials.accessKey, bucket);
    } catch (err) {
      // An explicit region with a domain needs the query only for the origin fallback and the region check: a network
      // that blocks the query host still backs up, as before region = auto existed.
      const unreachable = err instanceof RemoteError && (err.kind === 'network' || err.kind === 'server' || err.kind === 'rate-limited');
      if (config.region === 'auto' || config.bucket.domain === null || !unreachable) throw err;
      return {
        hosts: hostsFromRegionId(config.region, null),
        remember: nothing.remember,
        warning: `Region query failed (${err.message}); using region ${config.region} as configured, downloads from ${config.bucket.domain} without the retry from the bucket's source domain`,
      };
    }
    answer = fetched.hosts;
    const expiresAt = regionExpiresAt(Date.now(), answer);
    const store = () => storeRegionAnswer(config.journal.path, bucket, asked, fetched.text, expiresAt);
    if (!store()) remember = () => void store();
  }

  const scheme = config.regionQuery.startsWith('https:') ? 'https' : 'http';
  const asAnswered = hostsFromAnswer(answer, scheme, 'auto');
  const origin = asAnswered.origin;
  if (config.endpoints) return { hosts: hostsFromEndpoints(config.endpoints, origin), remember, warning: null };
  if (config.region === 'auto') return { hosts: asAnswered, remember, warning: null };
  if (answer.regionId !== 'unknown' && answer.regionId !== config.region) {
    throw new ConfigError([
      {
        file: config.file,
        section: 'bucket',
        key: 'region',
        message: wrongRegionAdvice({ bucket, configured: config.region, actual: answer.regionId, configFile: config.file }),
      },
    ]);
  }
  return { hosts: hostsFromRegionId(config.region, origin), remember, warning: null };
}

function cached(file: string, bucket: string, asked: string, nowMs: number): RegionHosts | null {
  const text = readCachedRegion(file, bucket, asked, nowMs);
  if (text === null) return null;
  try {
    const hosts = parseRegionAnswer(JSON.parse(text));
    return 'error' in hosts ? null : hosts;
  } catch {
    return null;
  }
}
