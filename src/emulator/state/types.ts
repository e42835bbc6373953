/** Every kind of request the emulator tells apart; counters and faults are keyed by it. */
export type RouteName =
  // rsf
  | 'list'
  // rs
  | 'stat'
  | 'move'
  | 'copy'
  | 'delete'
  | 'chgm'
  | 'chtype'
  | 'chstatus'
  | 'delete-after-days'
  | 'batch'
  // up
  | 'form-upload'
  | 'v1-mkblk'
  | 'v1-bput'
  | 'v1-mkfile'
  | 'v2-init'
  | 'v2-part'
  | 'v2-complete'
  | 'v2-abort'
  | 'v2-list-parts'
  // io / download domain
  | 'download'
  | 'head'
  // a GET or HEAD through the emulated CDN domain (cdn-node.ts)
  | 'cdn-download'
  // uc
  | 'query'
  | 'buckets'
  | 'domains'
  // `/_emulator/...` control API
  | 'control'
  // anything unrecognised (answered 404/405)
  | 'other';

export interface FaultSpec {
  route: RouteName;
  /** Answer this status with `{"error":"injected fault"}`; the request is not processed (no side effects). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Pace the response body (downloads) and the reading of the request body (uploads). */
  throttleBytesPerSec?: number;
  /** Send the headers with the full Content-Length but only about half the body, then destroy the socket. */
  truncate?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Flip one byte in the middle of the response body (same length): corruption in transit. */
  corrupt?: boolean;
  /** Let this many matching requests through untouched first (e.g. fail a page in the middle of a listing). */
  skip?: number;
  /** Apply to the next N matching requests, then drop the fault. */
  times?: number;
  /** Apply to each matching request with this chance (until cleared). */
  probability?: number;
  /**
   * Kodo's rate limiting: answer 573 to a matching request that arrives while this many requests of its route are
   * already in flight (a client that sends fewer at once gets through).
   */
  rateLimitInFlight?: number;
}

export interface Counters {
  requests: Partial<Record<RouteName, number>>;
  /** Request body bytes received. */
  bytesIn: Partial<Record<RouteName, number>>;
  /** Response body bytes written (for downloads: the bytes actually sent). */
  bytesOut: Partial<Record<RouteName, number>>;
  /** One entry per download request that carried a Range header; inclusive, as served (`end` -1 when refused). */
  ranges: { key: string; start: number; end: number }[];
}

export interface StoredObject {
  key: string;
  data: Buffer;
  hash: string;
  fsize: number;
  mimeType: string;
  /** 100 ns units (Date.now() * 10^4, strictly increasing, always exactly representable). */
  putTime: number;
  /** Hex MD5 of `data` as uploaded; '' when the server does not report one (not a form upload). */
  md5: string;
  /** Storage class: 0 standard, 1 IA, 2 archive, 3 deep archive, 4 archive-IR, 5 intelligent tiering. */
  type: number;
}

/** What the emulator keeps per object beyond the public shape. Records are immutable: changes replace them. */
export interface ObjectRecord extends StoredObject {
  /** Part sizes of a v2 multipart upload (served by `stat?needparts=true`). */
  parts?: number[];
  endUser?: string;
  /** 1 = disabled (chstatus). */
  status?: number;
  /** `x-qn-meta-*` metadata, names without the prefix. */
  meta?: Record<string, string>;
}

/** How `seedObject` shapes an object beyond its bytes. */
export interface SeedOptions {
  /** Part sizes of a multipart upload: the hash becomes their etag v2. */
  parts?: number[];
  /** Any hash (e.g. an opaque one no local computation reproduces). */
  hash?: string;
  /** false: no MD5 in listings and stat. */
  md5?: boolean;
}
