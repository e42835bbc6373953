import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crontabLine,
  mergeCrontab,
  onCalendar,
  parseSchedule,
  removeFromCrontab,
  scheduleName,
  shellQuote,
  systemdUnits,
  type Schedule,
} from '../../src/core/schedule.js';

// A config path with a space, a single quote, a double quote, a `%` (cron's newline, systemd's specifier) and a `$`.
const CONFIG = `/home/a b/it's "x" 100%$HOME.ini`;
const target = {
  node: '/usr/bin/node',
  bin: '/opt/qj/dist/cli/qjournal.js',
  config: CONFIG,
  workDir: '/home/a b',
  logFile: '/home/a b/q.log',
  env: { QJOURNAL_CREDENTIALS: '/home/a b/.config/qjournal/credentials.json', QJOURNAL_PASSPHRASE_FILE: "/home/a b/it's.pass" },
};
const NAME = scheduleName(CONFIG);
const weekly: Schedule = { kind: 'weekly', weekday: 0, hour: 3, minute: 0 };

describe('parseSchedule', () => {
  it.each([
    ['Sun 03:00', { kind: 'weekly', weekday: 0, hour: 3, minute: 0 }],
    ['saturday 23:59', { kind: 'weekly', weekday: 6, hour: 23, minute: 59 }],
    ['Wed 7:05', { kind: 'weekly', weekday: 3, hour: 7, minute: 5 }],
    ['weekly', { kind: 'weekly', weekday: 0, hour: 3, minute: 0 }],
    ['weekly Fri 18:30', { kind: 'weekly', weekday: 5, hour: 18, minute: 30 }],
    ['daily', { kind: 'daily', hour: 3, minute: 0 }],
    ['daily 02:30', { kind: 'daily', hour: 2, minute: 30 }],
    ['monthly', { kind: 'monthly', day: 1, hour: 3, minute: 0 }],
    ['monthly 15 04:10', { kind: 'monthly', day: 15, hour: 4, minute: 10 }],
    ['*/15 1-5 * * 1,3', { kind: 'cron', fields: ['*/15', '1-5', '*', '*', '1,3'] }],
  ])('reads %j', (text, expected) => {
    expect(parseSchedule(text)).toEqual(expected);
  });

  it.each(['Sun 24:00', 'Funday 03:00', '03:00', 'monthly 31', 'daily 3pm', '61 * * * *', '* * * 13 *', '5-1 * * * *', 'hourly'])(
    'refuses %j with a message',
    (text) => {
      expect(parseSchedule(text)).toEqual({ error: expect.stringContaining('--when') });
    },
  );
});

describe('crontab line', () => {
  it('quotes every path for sh and escapes % for cron: the whole line', () => {
    expect(crontabLine(target, weekly, NAME)).toBe(
      `0 3 * * 0 cd '/home/a b' && QJOURNAL_CREDENTIALS='/home/a b/.config/qjournal/credentials.json' ` +
        `QJOURNAL_PASSPHRASE_FILE='/home/a b/it'\\''s.pass' '/usr/bin/node' '/opt/qj/dist/cli/qjournal.js' sync ` +
        `--config '/home/a b/it'\\''s "x" 100\\%$HOME.ini' >> '/home/a b/q.log' 2>&1 # ${NAME}`,
    );
  });

  it('the command, as cron hands it to sh, runs with every path and variable exactly as given', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "qjournal-cron 'q' "));
    const bin = path.join(dir, 'print args.mjs');
    await fsp.writeFile(bin, 'console.log(JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2), creds: process.env.QJOURNAL_CREDENTIALS, pass: process.env.QJOURNAL_PASSPHRASE_FILE }))');
    const logFile = path.join(dir, 'run 100%.log');
    const line = crontabLine({ ...target, node: process.execPath, bin, workDir: dir, logFile }, weekly, NAME);
    // cron: the command is what follows the five fields; `\%` becomes `%`; the `#` comment is sh's to ignore.
    const command = line.split(' ').slice(5).join(' ').replace(/\\%/g, '%');
    execFileSync('sh', ['-c', command]);
    expect(JSON.parse(await fsp.readFile(logFile, 'utf8'))).toEqual({
      cwd: dir,
      args: ['sync', '--config', CONFIG],
      creds: target.env.QJOURNAL_CREDENTIALS,
      pass: target.env.QJOURNAL_PASSPHRASE_FILE,
    });
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('daily, monthly and crontab expressions', () => {
    const fields = (s: Schedule) => crontabLine(target, s, NAME).split(' ').slice(0, 5).join(' ');
    expect(fields({ kind: 'daily', hour: 2, minute: 30 })).toBe('30 2 * * *');
    expect(fields({ kind: 'monthly', day: 15, hour: 4, minute: 0 })).toBe('0 4 15 * *');
    expect(fields({ kind: 'cron', fields: ['*/15', '1-5', '*', '*', '1,3'] })).toBe('*/15 1-5 * * 1,3');
  });

  it('installing twice replaces this config\'s line, keeps the others and the other config\'s', () => {
    const other = scheduleName('/srv/other/config.ini');
    const mine = scheduleName('/home/a b/config.ini');
    expect(other).not.toBe(mine);
    const otherLine = crontabLine({ ...target, config: '/srv/other/config.ini' }, weekly, other);
    const line1 = crontabLine({ ...target, config: '/home/a b/config.ini' }, weekly, mine);
    const line2 = crontabLine({ ...target, config: '/home/a b/config.ini' }, { kind: 'daily', hour: 1, minute: 0 }, mine);
    const once = mergeCrontab(mergeCrontab('MAILTO=x\n5 * * * * other-job\n', otherLine, other), line1, mine);
    const twice = mergeCrontab(once, line2, mine);
    expect(twice).toBe(`MAILTO=x\n5 * * * * other-job\n${otherLine}\n${line2}\n`);
    expect(removeFromCrontab(twice, mine)).toBe(`MAILTO=x\n5 * * * * other-job\n${otherLine}\n`);
  });

  it('names a job after its config file and a hash of its absolute path', () => {
    expect(scheduleName('/srv/photos/config.ini')).toMatch(/^qjournal-config-[0-9a-f]{8}$/);
    expect(scheduleName('/srv/photos/config.ini')).not.toBe(scheduleName('/srv/music/config.ini'));
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('systemd units', () => {
  it('quotes ExecStart and Environment for systemd: the whole lines', () => {
    const { service, timer } = systemdUnits(target, 'Sun *-*-* 03:00:00', NAME);
    expect(service).toBe(
      [
        '[Unit]',
        `Description=qjournal sync of /home/a b/it's "x" 100%%$HOME.ini`,
        '',
        '[Service]',
        'Type=oneshot',
        'Environment="QJOURNAL_CREDENTIALS=/home/a b/.config/qjournal/credentials.json"',
        `Environment="QJOURNAL_PASSPHRASE_FILE=/home/a b/it's.pass"`,
        `ExecStart="/usr/bin/node" "/opt/qj/dist/cli/qjournal.js" "sync" "--config" "/home/a b/it's \\"x\\" 100%%$$HOME.ini"`,
        '',
      ].join('\n'),
    );
    expect(timer).toContain('OnCalendar=Sun *-*-* 03:00:00\n');
    expect(timer).toContain('Persistent=true\n');
  });

  it.each([
    [{ kind: 'daily', hour: 2, minute: 5 }, '*-*-* 02:05:00'],
    [{ kind: 'weekly', weekday: 6, hour: 23, minute: 0 }, 'Sat *-*-* 23:00:00'],
    [{ kind: 'monthly', day: 1, hour: 3, minute: 0 }, '*-*-01 03:00:00'],
    [{ kind: 'cron', fields: ['*/15', '1-5', '*', '*', '1,3'] }, 'Mon,Wed *-*-* 1..5:0/15:00'],
    [{ kind: 'cron', fields: ['0', '4', '*/2', '*', '*'] }, '*-*-1/2 4:0:00'],
  ] as [Schedule, string][])('OnCalendar for %j', (schedule, expected) => {
    expect(onCalendar(schedule)).toBe(expected);
  });

  it('refuses a crontab expression systemd cannot express', () => {
    expect(onCalendar({ kind: 'cron', fields: ['0', '3', '1', '*', '1'] })).toEqual({ error: expect.stringContaining('both day of month and day of week') });
  });
});
