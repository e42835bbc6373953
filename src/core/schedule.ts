import { createHash } from 'node:crypto';

/**
 * Text of an unattended `qjournal sync`: when it runs, its crontab line, its systemd user service + timer. Pure.
 * Every path is quoted for the reader of that text (sh for crontab, systemd's own rules for units), and every job is
 * named after its config's absolute path, so two configs never replace each other's schedule.
 */

export type Schedule =
  | { kind: 'daily'; hour: number; minute: number }
  | { kind: 'weekly'; weekday: number; hour: number; minute: number }
  | { kind: 'monthly'; day: number; hour: number; minute: number }
  /** Five crontab fields, checked: minute hour day-of-month month day-of-week. */
  | { kind: 'cron'; fields: string[] };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WHEN_HELP = 'daily [HH:MM], weekly [DAY HH:MM], monthly [DAY-OF-MONTH HH:MM], "Sun 03:00" or a crontab expression such as "30 2 * * 1-5"';

/**
 * `daily`, `daily 02:30`, `weekly`, `weekly Sat 23:00`, `Sun 03:00`, `monthly`, `monthly 15 04:00`, or five crontab
 * fields (numbers, `*`, lists, ranges, steps). Defaults: 03:00, Sunday, the 1st.
 */
export function parseSchedule(text: string): Schedule | { error: string } {
  const words = text.trim().split(/\s+/);
  const bad = { error: `--when must be ${WHEN_HELP} (got ${JSON.stringify(text)})` };
  const time = (s: string | undefined): { hour: number; minute: number } | null => {
    if (s === undefined) return { hour: 3, minute: 0 };
    const m = /^(\d{1,2}):(\d{2})$/.exec(s);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
    return { hour: Number(m[1]), minute: Number(m[2]) };
  };
  const weekday = (s: string | undefined): number | null => {
    if (s === undefined) return 0;
    const m = /^([A-Za-z]{3})[A-Za-z]*$/.exec(s);
    const i = m ? DAYS.findIndex((d) => d.toLowerCase() === m[1].toLowerCase()) : -1;
    return i < 0 ? null : i;
  };
  const kind = words[0].toLowerCase();
  if (kind === 'daily' && words.length <= 2) {
    const t = time(words[1]);
    return t ? { kind: 'daily', ...t } : bad;
  }
  if (kind === 'weekly' && words.length <= 3) {
    const day = weekday(words[1]);
    const t = time(words[2]);
    return day !== null && t ? { kind: 'weekly', weekday: day, ...t } : bad;
  }
  if (kind === 'monthly' && words.length <= 3) {
    const day = words[1] === undefined ? 1 : /^\d{1,2}$/.test(words[1]) ? Number(words[1]) : 0;
    const t = time(words[2]);
    // Days past the 28th do not come every month: cron would skip those months.
    if (day < 1 || day > 28) return { error: `--when monthly: the day of the month must be 1 to 28 (got ${JSON.stringify(words[1])})` };
    return t ? { kind: 'monthly', day, ...t } : bad;
  }
  if (words.length === 2 && weekday(words[0]) !== null && /^[A-Za-z]/.test(words[0])) {
    const t = time(words[1]);
    return t ? { kind: 'weekly', weekday: weekday(words[0])!, ...t } : bad;
  }
  if (words.length === 5) {
    const limits: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
    const names = ['minute', 'hour', 'day of month', 'month', 'day of week'];
    for (let i = 0; i < 5; i++) {
      if (!cronFieldIsValid(words[i], limits[i])) return { error: `--when: the ${names[i]} field ${JSON.stringify(words[i])} is not a crontab field (${limits[i].join('-')}, *, lists, ranges, /steps)` };
    }
    return { kind: 'cron', fields: words };
  }
  return bad;
}

function cronFieldIsValid(field: string, [min, max]: [number, number]): boolean {
  return field.split(',').every((part) => {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return false;
    const inRange = (n: string | undefined) => n === undefined || (Number(n) >= min && Number(n) <= max);
    if (m[4] !== undefined && Number(m[4]) < 1) return false;
    return inRange(m[2]) && inRange(m[3]) && (m[3] === undefined || Number(m[3]) >= Number(m[2]));
  });
}

/** The five crontab fields of a schedule. */
export function cronFields(s: Schedule): string {
  switch (s.kind) {
    case 'daily':
      return `${s.minute} ${s.hour} * * *`;
    case 'weekly':
      return `${s.minute} ${s.hour} * * ${s.weekday}`;
    case 'monthly':
      return `${s.minute} ${s.hour} ${s.day} * *`;
    case 'cron':
      return s.fields.join(' ');
  }
}

/** systemd's OnCalendar= for a schedule, or why a crontab expression has no equivalent. */
export function onCalendar(s: Schedule): string | { error: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  switch (s.kind) {
    case 'daily':
      return `*-*-* ${pad(s.hour)}:${pad(s.minute)}:00`;
    case 'weekly':
      return `${DAYS[s.weekday]} *-*-* ${pad(s.hour)}:${pad(s.minute)}:00`;
    case 'monthly':
      return `*-*-${pad(s.day)} ${pad(s.hour)}:${pad(s.minute)}:00`;
    case 'cron': {
      const [minute, hour, dom, month, dow] = s.fields;
      // cron runs when EITHER day field matches, systemd when both do: only one of them may be restricted.
      if (dom !== '*' && dow !== '*') return { error: 'a crontab expression restricting both day of month and day of week has no systemd timer equivalent; use a crontab line (without --systemd)' };
      if (dow.includes('/')) return { error: 'a day-of-week step has no systemd timer equivalent; list the days instead (e.g. 1,3,5)' };
      const fields = [minute, hour, dom, month].map((f, i) => calendarField(f, i < 2 ? 0 : 1));
      const days = dow === '*' ? '' : `${calendarField(dow, 0, DAYS.concat('Sun'))} `;
      return `${days}*-${fields[3]}-${fields[2]} ${fields[1]}:${fields[0]}:00`;
    }
  }
}

/** One crontab field in OnCalendar syntax: `a-b` → `a..b`, `*\/n` → `<first>/n`, day numbers as names. */
function calendarField(field: string, first: number, names?: string[]): string {
  return field
    .split(',')
    .map((part) => {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part)!;
      const show = (n: string) => (names ? names[Number(n)] : n);
      const start = m[1] === '*' ? (m[4] === undefined ? '*' : String(first)) : show(m[2]);
      const range = m[3] !== undefined ? `${start}..${show(m[3])}` : start;
      return m[4] !== undefined ? `${range}/${m[4]}` : range;
    })
    .join(',');
}

/** `qjournal-<config file name>-<8 hex of its absolute path>`: readable, and unique per config. */
export function scheduleName(configPath: string): string {
  const base = configPath.split('/').pop()!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40) || 'config';
  return `qjournal-${base}-${createHash('sha256').update(configPath).digest('hex').slice(0, 8)}`;
}

export interface ScheduleTarget {
  node: string;
  bin: string;
  /** Absolute. */
  config: string;
  workDir: string;
  logFile: string;
  /** Set in the job's environment: the credentials it needs without a terminal (paths only, never a secret). */
  env: Record<string, string>;
}

/** sh single quotes. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The comment that ends our crontab line: it names the job, so installing again replaces only this config's line. */
export function cronMarker(name: string): string {
  return `# ${name}`;
}

export function crontabLine(t: ScheduleTarget, s: Schedule, name: string): string {
  const env = Object.entries(t.env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  const command =
    `cd ${shellQuote(t.workDir)} && ${env}${shellQuote(t.node)} ${shellQuote(t.bin)} sync --config ${shellQuote(t.config)} ` +
    `>> ${shellQuote(t.logFile)} 2>&1`;
  // cron turns an unescaped % into a newline (the rest becomes the command's input), quotes or not.
  return `${cronFields(s)} ${command.replace(/%/g, '\\%')} ${cronMarker(name)}`;
}

/** Our line's job name, if `line` is one of ours. */
export function cronJobName(line: string): string | null {
  return /# (qjournal-[A-Za-z0-9_-]+-[0-9a-f]{8})$/.exec(line)?.[1] ?? null;
}

/** Replace (or add) this job's line in an existing crontab text, keeping every other line. */
export function mergeCrontab(existing: string, line: string, name: string): string {
  return `${[...removeFromCrontab(existing, name).split('\n').filter((l) => l !== ''), line].join('\n')}\n`;
}

/** The crontab without this job's line. */
export function removeFromCrontab(existing: string, name: string): string {
  const kept = existing.split('\n').filter((l) => l.trim() !== '' && cronJobName(l) !== name);
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

/**
 * systemd's quoting for one word of ExecStart= (and a whole Environment= assignment): double quotes with `\` escapes;
 * `%` (specifiers) doubled; in ExecStart, `$` (variables) doubled too.
 */
export function systemdQuote(s: string, opts: { dollar: boolean }): string {
  let out = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\n/g, '\\n');
  if (opts.dollar) out = out.replace(/\$/g, '$$$$');
  return `"${out}"`;
}

export function systemdUnits(t: ScheduleTarget, calendar: string, name: string): { service: string; timer: string } {
  const exec = [t.node, t.bin, 'sync', '--config', t.config].map((w) => systemdQuote(w, { dollar: true })).join(' ');
  const service = [
    '[Unit]',
    `Description=qjournal sync of ${t.config.replace(/%/g, '%%')}`,
    '',
    '[Service]',
    'Type=oneshot',
    ...Object.entries(t.env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`, { dollar: false })}`),
    `ExecStart=${exec}`,
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Run ${name}.service on schedule`,
    '',
    '[Timer]',
    `OnCalendar=${calendar}`,
    'Persistent=true',
    'RandomizedDelaySec=300',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}

/** A weekly time (the dashboard's schedule form). 0 = Sunday … 6 = Saturday. */
export interface WeeklyTime {
  weekday: number;
  hour: number;
  minute: number;
}

/** `Sun 03:00` (and every other weekly form of parseSchedule); null for anything else. */
export function parseWeeklyTime(text: string): WeeklyTime | null {
  const s = parseSchedule(text);
  return 'error' in s || s.kind !== 'weekly' ? null : { weekday: s.weekday, hour: s.hour, minute: s.minute };
}
