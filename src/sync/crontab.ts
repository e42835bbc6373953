import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { configHome, credentialsPath } from '../config/credentials.js';
import { installedWeeklyTime } from '../core/installed-schedule.js';
import { crontabLine, mergeCrontab, removeFromCrontab, scheduleName, type Schedule, type ScheduleTarget, type WeeklyTime } from '../core/schedule.js';

/** The user's crontab through the `crontab` program: what `schedule --install` and the dashboard change. */

/** Installing or removing a schedule failed (no crontab, no systemd): exit 1, with what to do by hand. */
export class ScheduleInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleInstallError';
  }
}

/** The current crontab text: '' when there is none yet, null when `crontab -l` cannot be run. */
export function readCrontab(): string | null {
  try {
    return execFileSync('crontab', ['-l'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `crontab -l` exits 1 with "no crontab for <user>" when there is none.
    return /no crontab/i.test(String((err as { stderr?: unknown }).stderr ?? '')) ? '' : null;
  }
}

export function writeCrontab(text: string, fallbackHint: string): void {
  try {
    execFileSync('crontab', ['-'], { input: text, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (err) {
    throw new ScheduleInstallError(`could not change the crontab (${why(err)})${fallbackHint}`);
  }
}

/** Install (or replace) this config's line; returns it. An unreadable crontab is not an empty one: nothing is written. */
export function installCronJob(target: ScheduleTarget, schedule: Schedule): string {
  const name = scheduleName(target.config);
  const line = crontabLine(target, schedule, name);
  const existing = readCrontab();
  if (existing === null) throw new ScheduleInstallError(`could not run "crontab -l"; add the line by hand with "crontab -e":\n${line}`);
  writeCrontab(mergeCrontab(existing, line, name), `; add it by hand with "crontab -e":\n${line}`);
  return line;
}

/** Install (or replace) the weekly line for `target.config`; returns the line. */
export function installWeeklySync(target: ScheduleTarget, when: WeeklyTime): string {
  return installCronJob(target, { kind: 'weekly', ...when });
}

/** Remove this config's line; false when there was none. */
export function removeWeeklySync(config: string): boolean {
  const name = scheduleName(config);
  const existing = readCrontab();
  if (existing === null || !existing.split('\n').some((l) => l.endsWith(`# ${name}`))) return false;
  writeCrontab(removeFromCrontab(existing, name), `; remove the line ending in "# ${name}" with "crontab -e"`);
  return true;
}

export function scheduledWeeklySync(config: string): WeeklyTime | null {
  return installedWeeklyTime(readCrontab() ?? '', config);
}

/**
 * The job runs this very entry point (the installed bin, or the bundle in a clone) with this Node, from the config's
 * folder, its output appended to `<job name>.log` there. It has no terminal and almost no environment: it is given
 * the path of the encrypted keys of the config's profile and of a passphrase file (`~/.config/qjournal/<name>.passphrase`,
 * mode 600, which `schedule --install` writes) — paths only, never a secret.
 */
export function weeklySyncTarget(configPath: string, profile: string | null = null, env: Record<string, string | undefined> = process.env): ScheduleTarget {
  const workDir = path.dirname(configPath);
  const name = scheduleName(configPath);
  return {
    node: process.execPath,
    bin: path.resolve(process.argv[1]),
    config: configPath,
    workDir,
    logFile: path.join(workDir, `${name}.log`),
    env: { QJOURNAL_CREDENTIALS: credentialsPath(env, profile), QJOURNAL_PASSPHRASE_FILE: passphraseFileOf(configPath, env) },
  };
}

export function passphraseFileOf(configPath: string, env: Record<string, string | undefined> = process.env): string {
  return path.join(configHome(env), 'qjournal', `${scheduleName(configPath)}.passphrase`);
}

export function why(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
  const code = (err as NodeJS.ErrnoException).code;
  return stderr || (code === 'ENOENT' ? 'the program is not installed' : (err as Error).message);
}
