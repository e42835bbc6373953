import { cronJobName, removeFromCrontab, scheduleName, type WeeklyTime } from './schedule.js';

/** Reading back what `schedule --install` wrote, and when it runs next. Pure. */

/** The weekday and time of this config's crontab line, or null when there is none (or it is not weekly). */
export function installedWeeklyTime(crontab: string, config: string): WeeklyTime | null {
  const name = scheduleName(config);
  const line = crontab.split('\n').find((l) => cronJobName(l) === name);
  const m = line ? /^(\d{1,2}) (\d{1,2}) \* \* (\d)\s/.exec(line) : null;
  if (!m) return null;
  return { minute: Number(m[1]), hour: Number(m[2]), weekday: Number(m[3]) % 7 };
}

/** The crontab without this config's line (other lines untouched). */
export function withoutCrontabLine(crontab: string, config: string): string {
  return removeFromCrontab(crontab, scheduleName(config));
}

/** The next moment after `now` (local time, like cron) at `when`. */
export function nextWeeklyRun(when: WeeklyTime, now: Date): Date {
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate(), when.hour, when.minute, 0, 0);
  next.setDate(next.getDate() + ((when.weekday - now.getDay() + 7) % 7));
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 7);
  return next;
}
