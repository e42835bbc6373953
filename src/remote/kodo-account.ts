/**
 * What a QiniuStore needs to reach one bucket, in its own terms. config.ini's sections have the same shape, so a
 * `Config` slice can be passed as is, but remote does not depend on how the config file is read.
 */

export interface KodoBucket {
  name: string;
  /** Download base URL, no trailing slash, e.g. `http://cdn.example.com`. */
  domain: string;
  private: boolean;
  /** Only keys under this prefix ('' = whole bucket). */
  prefix: string;
}

/** Static service hosts; null = the SDK's table for the region. */
export type KodoEndpoints = { rs: string; rsf: string; up: string; api: string; uc: string } | null;

export interface KodoCredentials {
  accessKey: string;
  secretKey: string;
}
