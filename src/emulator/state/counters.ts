import type { Counters, RouteName } from './types.js';

/** Requests, body bytes in and out per route, and the ranges downloads asked for. */
export class CounterBook {
  private counters: Counters = emptyCounters();

  request(route: RouteName): void {
    bump(this.counters.requests, route, 1);
  }

  bytesIn(route: RouteName, n: number): void {
    bump(this.counters.bytesIn, route, n);
  }

  bytesOut(route: RouteName, n: number): void {
    bump(this.counters.bytesOut, route, n);
  }

  range(key: string, start: number, end: number): void {
    this.counters.ranges.push({ key, start, end });
  }

  snapshot(): Counters {
    const c = this.counters;
    return { requests: { ...c.requests }, bytesIn: { ...c.bytesIn }, bytesOut: { ...c.bytesOut }, ranges: c.ranges.map((r) => ({ ...r })) };
  }

  reset(): void {
    this.counters = emptyCounters();
  }
}

function emptyCounters(): Counters {
  return { requests: {}, bytesIn: {}, bytesOut: {}, ranges: [] };
}

function bump(table: Partial<Record<RouteName, number>>, route: RouteName, n: number): void {
  table[route] = (table[route] ?? 0) + n;
}
