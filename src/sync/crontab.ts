import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { installedWeeklyTime, withoutCrontabLine } from '../core/installed-schedule.js';
import { crontabLine, mergeCrontab, type ScheduleTarget, type WeeklyTime } from '../core/schedule.js';
import { UsageError } from '../errors.js';

/** The user's crontab through the `crontab` program: what `schedule --install` and the dashboard change. */

/** The current crontab text ('' when there is none yet). */
export function readCrontab(): string {
  try {
    return execFileSync('crontab', ['-l'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function writeCrontab(text: string, fallbackHint: string): void {
  try {
    execFileSync('crontab', ['-'], { input: text, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(`could not change the crontab (${missing ? 'the crontab program is not installed' : (err as Error).message})${fallbackHint}`);
  }
}

/** Install (or replace) the weekly line for `target.config`; returns the line. */
export function installWeeklySync(target: ScheduleTarget, when: WeeklyTime): string {
  const line = crontabLine(target, when);
  writeCrontab(mergeCrontab(readCrontab(), line, target.config), `; add it by hand:\n${line}`);
  return line;
}

/** Remove this config's weekly line; false when there was none. */
export function removeWeeklySync(config: string): boolean {
  const existing = readCrontab();
  if (installedWeeklyTime(existing, config) === null) return false;
  writeCrontab(withoutCrontabLine(existing, config), '');
  return true;
}

export function scheduledWeeklySync(config: string): WeeklyTime | null {
  return installedWeeklyTime(readCrontab(), config);
}

/** The job runs this very entry point (the bundled CLI, or dist/src/bin.js) with this Node, from the config's folder. */
export function weeklySyncTarget(configPath: string): ScheduleTarget {
  const workDir = path.dirname(configPath);
  return { node: process.execPath, bin: path.resolve(process.argv[1]), config: configPath, workDir, logFile: path.join(workDir, 'qjournal-cron.log') };
}
