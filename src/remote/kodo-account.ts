/**
 * What a QiniuStore needs to reach one bucket, in its own terms: remote does not depend on how the config file is read
 * nor on how the hosts were found (sync/resolve-region.ts).
 */

export interface KodoBucket {
  name: string;
  /** `[bucket] domain`: a download base URL (usually a CDN), no trailing slash; null = the origin (`KodoHosts.origin`). */
  domain: string | null;
  private: boolean;
  /** Only keys under this prefix ('' = whole bucket). */
  prefix: string;
}

/** The service hosts of the bucket's region, resolved once per run (never by the SDK's own region query). */
export interface KodoHosts {
  /** The region id (`custom` for hosts given in `[endpoints]`). */
  regionId: string;
  /** How they were chosen: `auto` (the region query), `region` (an explicit region id) or `endpoints` (by hand). */
  chosenBy: 'auto' | 'region' | 'endpoints';
  /** The one scheme every service call uses (the SDK has one for all). */
  scheme: 'http' | 'https';
  /** host[:port] per service, preferred first. */
  up: string[];
  rs: string[];
  rsf: string[];
  api: string[];
  uc: string[];
  /** The bucket's source domain (`scheme://host[:port]`): the stored bytes, no CDN; null when unknown. */
  origin: string | null;
}

/** Static service hosts as `[endpoints]` gives them (`scheme://host[:port]`). */
export type KodoEndpoints = { rs: string; rsf: string; up: string; api: string; uc: string };

export interface KodoCredentials {
  accessKey: string;
  secretKey: string;
}
