/**
 * The `<time>` of `restore --at`: a date (`2026-03-01`, local midnight), a date and time (`2026-03-01T12:00`,
 * `…T12:00:30[.123]`, a space instead of `T` too; local time unless it ends in `Z` or `±HH:MM`), a run number (`#12`:
 * the state at the end of that run) or an age (`90m`, `12h`, `3d`, `2w`: that long before now). Pure: `now` is passed in.
 */
export type TimeSpec = { kind: 'time'; at: number } | { kind: 'run'; run: number };

const AGE_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseTimeSpec(text: string, now: Date): TimeSpec | { error: string } {
  const value = text.trim();
  const run = /^#(\d+)$/.exec(value);
  if (run) return { kind: 'run', run: Number(run[1]) };
  const age = /^(\d+)\s*([mhdw])$/i.exec(value);
  if (age) return { kind: 'time', at: now.getTime() - Number(age[1]) * AGE_UNITS_MS[age[2].toLowerCase()] };
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value);
  if (!m) {
    return { error: `cannot read the time ${JSON.stringify(text)}: use 2026-03-01, 2026-03-01T12:00[:SS][Z], a run number like #12, or an age like 3d or 2w` };
  }
  const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0', zone] = m.slice(1);
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0'))] as const;
  let at: number;
  if (zone === undefined) {
    at = new Date(...parts).getTime();
  } else {
    const offsetMin = zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone);
    at = Date.UTC(...parts) - offsetMin * 60_000;
  }
  // Date rolls 2026-02-30 over into March: refuse what does not round-trip.
  const check = zone === undefined ? new Date(at) : new Date(at + (zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone)) * 60_000);
  const get = zone === undefined ? [check.getFullYear(), check.getMonth(), check.getDate(), check.getHours(), check.getMinutes()] : [check.getUTCFullYear(), check.getUTCMonth(), check.getUTCDate(), check.getUTCHours(), check.getUTCMinutes()];
  if (Number.isNaN(at) || get.some((v, i) => v !== parts[i]) || parts[5] > 59) return { error: `${JSON.stringify(text)} is not a valid date and time` };
  return { kind: 'time', at };
}

function zoneMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}
