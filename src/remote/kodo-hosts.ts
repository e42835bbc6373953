import qiniu from 'qiniu';
import type { RegionHosts } from '../core/region-answer.js';
import type { KodoEndpoints, KodoHosts } from './kodo-account.js';

/** Hosts given by hand (`[endpoints]`: the emulator, private deployments). The origin may come from a region query. */
export function hostsFromEndpoints(endpoints: KodoEndpoints, origin: string | null): KodoHosts {
  const host = (url: string) => new URL(url).host;
  return {
    regionId: 'custom',
    chosenBy: 'endpoints',
    scheme: new URL(endpoints.rs).protocol === 'https:' ? 'https' : 'http',
    up: [host(endpoints.up)],
    rs: [host(endpoints.rs)],
    rsf: [host(endpoints.rsf)],
    api: [host(endpoints.api)],
    uc: [host(endpoints.uc)],
    origin,
  };
}

/** The hosts the region query named; the scheme is the one the query was asked with. */
export function hostsFromAnswer(answer: RegionHosts, scheme: 'http' | 'https', chosenBy: 'auto' | 'region'): KodoHosts {
  return {
    regionId: answer.regionId,
    chosenBy,
    scheme,
    up: answer.up,
    rs: answer.rs,
    rsf: answer.rsf,
    api: answer.api,
    uc: answer.uc,
    origin: `${scheme}://${answer.ioSrc[0]}`,
  };
}

/** An explicit region id: the SDK's table of production hosts (Region.fromRegionId, no query); https. */
export function hostsFromRegionId(regionId: string, origin: string | null): KodoHosts {
  const services = qiniu.httpc.Region.fromRegionId(regionId).services as Record<string, { host: string }[] | undefined>;
  const hosts = (name: string) => (services[name] ?? []).map((e) => e.host);
  return {
    regionId,
    chosenBy: 'region',
    scheme: 'https',
    up: hosts('up'),
    rs: hosts('rs'),
    rsf: hosts('rsf'),
    api: hosts('api'),
    uc: hosts('uc'),
    origin,
  };
}
