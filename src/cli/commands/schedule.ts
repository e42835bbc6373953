import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { crontabLine, parseWeeklyTime, systemdUnits, type ScheduleTarget } from '../../core/schedule.js';
import { UsageError } from '../../errors.js';
import { installWeeklySync, weeklySyncTarget } from '../../sync/crontab.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * Prints (and with --install installs) a weekly `qjournal sync` as a crontab line or a systemd user timer.
 * The config is validated first so a broken config is not scheduled.
 */
export async function scheduleCommand(flags: { config?: string; when: string; systemd?: boolean; install?: boolean }): Promise<ExitCode> {
  const when = parseWeeklyTime(flags.when);
  if (!when) throw new UsageError(`--when must look like "Sun 03:00" (got ${JSON.stringify(flags.when)})`);
  const configPath = resolveConfigPath(flags.config, process.env);
  await loadConfig(configPath);
  const target: ScheduleTarget = weeklySyncTarget(configPath);
  const env = process.env;
  const credentialsNote =
    '# The scheduled run needs credentials without a terminal: QINIU_ACCESS_KEY/QINIU_SECRET_KEY, or the encrypted\n' +
    '# credentials file plus QJOURNAL_PASSPHRASE, in the environment of the job.\n';

  if (flags.systemd) {
    const name = `qjournal-${path.basename(configPath, path.extname(configPath)).replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const units = systemdUnits(target, when, name);
    if (!flags.install) {
      process.stdout.write(`${credentialsNote}# ~/.config/systemd/user/${name}.service\n${units.service}\n# ~/.config/systemd/user/${name}.timer\n${units.timer}`);
      return EXIT.ok;
    }
    const dir = path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'systemd', 'user');
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, `${name}.service`), units.service);
    await fsp.writeFile(path.join(dir, `${name}.timer`), units.timer);
    process.stdout.write(`Wrote ${name}.service and ${name}.timer to ${dir}\n`);
    try {
      execFileSync('systemctl', ['--user', 'daemon-reload'], { stdio: 'ignore' });
      execFileSync('systemctl', ['--user', 'enable', '--now', `${name}.timer`], { stdio: 'ignore' });
      process.stdout.write(`Enabled ${name}.timer\n`);
    } catch {
      process.stdout.write(`Could not reach systemd; enable it with: systemctl --user enable --now ${name}.timer\n`);
    }
    return EXIT.ok;
  }

  const line = crontabLine(target, when);
  if (!flags.install) {
    process.stdout.write(`${credentialsNote}${line}\n`);
    return EXIT.ok;
  }
  installWeeklySync(target, when);
  process.stdout.write(`Installed in your crontab:\n${line}\n`);
  return EXIT.ok;
}
