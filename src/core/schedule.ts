/** Text of the unattended weekly run: a crontab line or a systemd user service + timer. Pure. */

export interface WeeklyTime {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hour: number;
  minute: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Parses `Sun 03:00` (day names in English, 24 h clock). null when malformed. */
export function parseWeeklyTime(text: string): WeeklyTime | null {
  const m = /^\s*([A-Za-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const weekday = DAYS.findIndex((d) => d.toLowerCase() === m[1].toLowerCase());
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (weekday < 0 || hour > 23 || minute > 59) return null;
  return { weekday, hour, minute };
}

export interface ScheduleTarget {
  node: string;
  bin: string;
  config: string;
  workDir: string;
  logFile: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A marker comment that identifies our crontab line for this config, so installing twice replaces it. */
export function cronMarker(config: string): string {
  return `# qjournal weekly sync: ${config}`;
}

export function crontabLine(t: ScheduleTarget, when: WeeklyTime): string {
  return (
    `${when.minute} ${when.hour} * * ${when.weekday} cd ${q(t.workDir)} && ${q(t.node)} ${q(t.bin)} sync --config ${q(t.config)} ` +
    `>> ${q(t.logFile)} 2>&1 ${cronMarker(t.config)}`
  );
}

/** Replace (or add) our line in an existing crontab text. */
export function mergeCrontab(existing: string, line: string, config: string): string {
  const kept = existing.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(cronMarker(config)));
  return `${[...kept, line].join('\n')}\n`;
}

export function systemdUnits(t: ScheduleTarget, when: WeeklyTime, name: string): { service: string; timer: string } {
  const service = [
    '[Unit]',
    `Description=qjournal weekly sync (${t.config})`,
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${t.workDir}`,
    `ExecStart=${t.node} ${t.bin} sync --config ${t.config}`,
    '',
  ].join('\n');
  const pad = (n: number) => String(n).padStart(2, '0');
  const timer = [
    '[Unit]',
    `Description=Run ${name}.service weekly`,
    '',
    '[Timer]',
    `OnCalendar=${DAYS[when.weekday]} *-*-* ${pad(when.hour)}:${pad(when.minute)}:00`,
    'Persistent=true',
    'RandomizedDelaySec=300',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}
