import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { configHome, passphraseFromEnv, promptHidden, resolveCredentials } from '../../config/credentials.js';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { cronJobName, crontabLine, onCalendar, parseSchedule, removeFromCrontab, scheduleName, systemdUnits } from '../../core/schedule.js';
import { ConfigError, NotFoundError, UsageError } from '../../errors.js';
import { installCronJob, readCrontab, ScheduleInstallError as InstallError, weeklySyncTarget, why, writeCrontab } from '../../sync/crontab.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export interface ScheduleFlags {
  config?: string;
  when: string;
  systemd?: boolean;
  install?: boolean;
  list?: boolean;
  remove?: boolean;
}

/**
 * Prints (and with --install installs) an unattended `qjournal sync` of one config as a crontab line or a systemd user
 * timer; --list shows the installed ones, --remove this config's. The config is validated first, so a broken config
 * is not scheduled, and --install checks that the job will find its credentials.
 */
export async function scheduleCommand(flags: ScheduleFlags): Promise<ExitCode> {
  if ([flags.install, flags.list, flags.remove].filter(Boolean).length > 1) throw new UsageError('give one of --install, --list and --remove');
  const env = process.env;
  const unitDir = path.join(configHome(env), 'systemd', 'user');
  if (flags.list) return listSchedules(unitDir);

  const configPath = resolveConfigPath(flags.config, env);
  const name = scheduleName(configPath);
  if (flags.remove) return removeSchedule(name, configPath, unitDir);

  const schedule = parseSchedule(flags.when);
  if ('error' in schedule) throw new UsageError(schedule.error);
  const calendar = flags.systemd ? onCalendar(schedule) : null;
  if (calendar && typeof calendar !== 'string') throw new UsageError(calendar.error);
  const { config } = await loadConfig(configPath);
  const target = weeklySyncTarget(configPath, config.credentials.profile, env);
  const credentials = target.env.QJOURNAL_CREDENTIALS;
  const passphraseFile = target.env.QJOURNAL_PASSPHRASE_FILE;

  if (flags.install) await preparePassphraseFile(credentials, passphraseFile, config.file);
  const note =
    `# The job reads the keys from ${credentials} (qjournal keys set) and its passphrase from ${passphraseFile}\n` +
    `# (mode 600; --install writes it from QJOURNAL_PASSPHRASE or a prompt). Its output goes to ${flags.systemd ? 'the journal (journalctl --user -u ' + name + ')' : target.logFile}.\n`;

  if (calendar) {
    const units = systemdUnits(target, calendar, name);
    if (!flags.install) {
      process.stdout.write(`${note}# ${path.join(unitDir, `${name}.service`)}\n${units.service}\n# ${path.join(unitDir, `${name}.timer`)}\n${units.timer}`);
      return EXIT.ok;
    }
    await fsp.mkdir(unitDir, { recursive: true });
    await fsp.writeFile(path.join(unitDir, `${name}.service`), units.service);
    await fsp.writeFile(path.join(unitDir, `${name}.timer`), units.timer);
    process.stdout.write(`Wrote ${name}.service and ${name}.timer to ${unitDir}\n`);
    systemctl(['daemon-reload'], `the units are written; enable them with: systemctl --user daemon-reload && systemctl --user enable --now ${name}.timer`);
    systemctl(['enable', '--now', `${name}.timer`], `enable it with: systemctl --user enable --now ${name}.timer`);
    process.stdout.write(`Enabled ${name}.timer (${calendar})\n`);
    return EXIT.ok;
  }

  if (!flags.install) {
    process.stdout.write(`${note}${crontabLine(target, schedule, name)}\n`);
    return EXIT.ok;
  }
  const line = installCronJob(target, schedule);
  process.stdout.write(`Installed in your crontab:\n${line}\n`);
  return EXIT.ok;
}

/**
 * The job has no terminal: the keys must be in the encrypted store and its passphrase in a file only the user can
 * read. The passphrase (QJOURNAL_PASSPHRASE[_FILE], or a prompt) is checked against the store before it is written.
 */
async function preparePassphraseFile(credentials: string, passphraseFile: string, configFile: string): Promise<void> {
  const fail = (message: string): never => {
    throw new ConfigError([{ file: configFile, section: 'credentials', key: '', message }]);
  };
  const exists = await fsp.stat(credentials).then(() => true, () => false);
  if (!exists) {
    const envKeys = process.env.QINIU_ACCESS_KEY ? ' (QINIU_ACCESS_KEY in this shell does not reach a scheduled job)' : '';
    fail(`a scheduled job needs stored keys, and ${credentials} does not exist${envKeys}: run "qjournal keys set" first`);
  }
  let passphrase = (await passphraseFromEnv(process.env))?.passphrase;
  if (passphrase === undefined) {
    if (!process.stdin.isTTY) fail('set QJOURNAL_PASSPHRASE (or run this on a terminal): the job needs the passphrase of the stored keys');
    passphrase = await promptHidden(`Passphrase for ${credentials} (kept in ${passphraseFile} for the job): `);
  }
  const chosen = passphrase;
  // Throws a CredentialsError (exit 3) for a wrong passphrase: better now than at 3 am.
  await resolveCredentials({ env: { QJOURNAL_PASSPHRASE: chosen }, file: credentials, isTTY: false });
  if (process.env.QJOURNAL_PASSPHRASE_FILE && path.resolve(process.env.QJOURNAL_PASSPHRASE_FILE) === passphraseFile) return;
  await fsp.mkdir(path.dirname(passphraseFile), { recursive: true, mode: 0o700 });
  await fsp.writeFile(passphraseFile, `${chosen}\n`, { mode: 0o600 });
  await fsp.chmod(passphraseFile, 0o600);
}

async function listSchedules(unitDir: string): Promise<ExitCode> {
  const lines = (readCrontab() ?? '').split('\n').filter((l) => cronJobName(l) !== null);
  const timers = (await fsp.readdir(unitDir).catch(() => [] as string[])).filter((f) => /^qjournal-.*\.timer$/.test(f)).sort();
  if (lines.length === 0 && timers.length === 0) process.stdout.write('No qjournal schedules installed.\n');
  for (const line of lines) process.stdout.write(`crontab  ${line}\n`);
  for (const timer of timers) {
    const unit = timer.replace(/\.timer$/, '');
    const text = (file: string) => fsp.readFile(path.join(unitDir, file), 'utf8').catch(() => '');
    const calendar = /^OnCalendar=(.*)$/m.exec(await text(timer))?.[1] ?? '?';
    const config = /^Description=qjournal sync of (.*)$/m.exec(await text(`${unit}.service`))?.[1]?.replace(/%%/g, '%') ?? '?';
    process.stdout.write(`systemd  ${unit}  ${calendar}  ${config}\n`);
  }
  return EXIT.ok;
}

async function removeSchedule(name: string, configPath: string, unitDir: string): Promise<ExitCode> {
  let removed = false;
  const existing = readCrontab();
  if (existing !== null && existing.split('\n').some((l) => cronJobName(l) === name)) {
    writeCrontab(removeFromCrontab(existing, name), `; remove the line ending in "# ${name}" with "crontab -e"`);
    process.stdout.write(`Removed the crontab line ${name}\n`);
    removed = true;
  }
  const timer = path.join(unitDir, `${name}.timer`);
  if (await fsp.stat(timer).then(() => true, () => false)) {
    systemctl(['disable', '--now', `${name}.timer`], `disable it with: systemctl --user disable --now ${name}.timer`);
    await fsp.rm(timer, { force: true });
    await fsp.rm(path.join(unitDir, `${name}.service`), { force: true });
    systemctl(['daemon-reload'], 'run: systemctl --user daemon-reload');
    process.stdout.write(`Removed ${name}.timer and ${name}.service\n`);
    removed = true;
  }
  if (!removed) throw new NotFoundError(`no schedule is installed for ${configPath} (looked for ${name})`);
  return EXIT.ok;
}

function systemctl(args: string[], hint: string): void {
  try {
    execFileSync('systemctl', ['--user', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new InstallError(`systemctl --user ${args.join(' ')} failed (${why(err)}); ${hint}`);
  }
}
