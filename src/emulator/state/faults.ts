import type { FaultSpec, RouteName } from './types.js';

/** What the matching faults add up to for one request. */
export interface AppliedFault {
  status?: number;
  delayMs: number;
  throttleBytesPerSec?: number;
  truncate: boolean;
  reset: boolean;
  corrupt: boolean;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining?: number;
  /** Matching requests still to let through before the fault applies. */
  skip: number;
}

/**
 * Injected faults, matched by route. `skip` K: the first K matching requests pass untouched; then `times` N: the next N
 * matching requests, then dropped; `probability` p: each matching request with chance p until cleared; neither: always.
 *
 * Several matching faults combine, in the order they were added, but a fault is used up only when it takes effect:
 * after a `reset` nothing else does; after a `status` answer only pure delays do (truncating or throttling an
 * injected error is pointless). So `{status: 503, times: 2}` then `{truncate: true, times: 1}` gives two 503s and
 * then one truncated body.
 */
export class FaultBook {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    if (!spec || typeof spec.route !== 'string') throw new TypeError('a fault needs a route');
    if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) throw new TypeError('fault times must be a positive integer');
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) throw new TypeError('fault probability must be within 0..1');
    if (spec.throttleBytesPerSec !== undefined && !(spec.throttleBytesPerSec > 0)) throw new TypeError('fault throttleBytesPerSec must be positive');
    if (spec.skip !== undefined && !(Number.isInteger(spec.skip) && spec.skip >= 0)) throw new TypeError('fault skip must be a whole number');
    if (spec.rateLimitInFlight !== undefined && !(Number.isInteger(spec.rateLimitInFlight) && spec.rateLimitInFlight >= 0)) {
      throw new TypeError('fault rateLimitInFlight must be a whole number');
    }
    this.faults.push({ spec: { ...spec }, remaining: spec.times, skip: spec.skip ?? 0 });
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f.spec, ...(f.remaining !== undefined ? { times: f.remaining } : {}), ...(f.spec.skip !== undefined ? { skip: f.skip } : {}) }));
  }

  /**
   * The faults that apply to this request (using up their `times`), or undefined when none does. `inFlight`: the
   * route's other requests being handled now (for `rateLimitInFlight`).
   */
  take(route: RouteName, inFlight = 0): AppliedFault | undefined {
    let applied: AppliedFault | undefined;
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.route !== route) continue;
      if (spec.rateLimitInFlight !== undefined && inFlight < spec.rateLimitInFlight) continue;
      if (fault.skip > 0) {
        fault.skip--;
        continue;
      }
      if (!takesEffect(spec, applied)) continue;
      if (spec.probability !== undefined && Math.random() >= spec.probability) continue;
      if (fault.remaining !== undefined) fault.remaining--;
      applied ??= { delayMs: 0, truncate: false, reset: false, corrupt: false };
      if (spec.status !== undefined) applied.status ??= spec.status;
      if (spec.rateLimitInFlight !== undefined) applied.status ??= 573;
      if (spec.delayMs) applied.delayMs += spec.delayMs;
      if (spec.throttleBytesPerSec) applied.throttleBytesPerSec = Math.min(applied.throttleBytesPerSec ?? Infinity, spec.throttleBytesPerSec);
      if (spec.truncate) applied.truncate = true;
      if (spec.reset) applied.reset = true;
      if (spec.corrupt) applied.corrupt = true;
    }
    this.faults = this.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
    return applied;
  }
}

function takesEffect(spec: FaultSpec, applied: AppliedFault | undefined): boolean {
  if (!applied) return true;
  if (applied.reset) return false;
  if (spec.reset) return true;
  const answers = spec.status !== undefined || spec.rateLimitInFlight !== undefined;
  if (applied.status !== undefined) return !answers && !spec.truncate && !spec.throttleBytesPerSec && !spec.corrupt;
  return true;
}
