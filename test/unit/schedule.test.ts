import { describe, expect, it } from 'vitest';
import { crontabLine, mergeCrontab, parseWeeklyTime, systemdUnits } from '../../src/core/schedule.js';

const target = { node: '/usr/bin/node', bin: '/opt/qj/dist/src/bin.js', config: "/home/a b/it's.ini", workDir: '/home/a b', logFile: '/home/a b/qjournal-cron.log' };

describe('schedule', () => {
  it.each([
    ['Sun 03:00', { weekday: 0, hour: 3, minute: 0 }],
    ['saturday 23:59', { weekday: 6, hour: 23, minute: 59 }],
    ['Wed 7:05', { weekday: 3, hour: 7, minute: 5 }],
    ['Sun 24:00', null],
    ['Funday 03:00', null],
    ['03:00', null],
  ])('parses %j', (text, expected) => {
    expect(parseWeeklyTime(text)).toEqual(expected);
  });

  it('quotes paths in the crontab line so spaces and quotes survive the shell', () => {
    const line = crontabLine(target, { weekday: 0, hour: 3, minute: 0 });
    expect(line).toBe(
      `0 3 * * 0 cd '/home/a b' && '/usr/bin/node' '/opt/qj/dist/src/bin.js' sync --config '/home/a b/it'\\''s.ini' >> '/home/a b/qjournal-cron.log' 2>&1 # qjournal weekly sync: /home/a b/it's.ini`,
    );
  });

  it('installing twice replaces our line and keeps the others', () => {
    const line1 = crontabLine(target, { weekday: 0, hour: 3, minute: 0 });
    const line2 = crontabLine(target, { weekday: 1, hour: 4, minute: 0 });
    const once = mergeCrontab('MAILTO=x\n5 * * * * other-job\n', line1, target.config);
    const twice = mergeCrontab(once, line2, target.config);
    expect(twice).toBe(`MAILTO=x\n5 * * * * other-job\n${line2}\n`);
  });

  it('writes a persistent weekly systemd timer', () => {
    const { service, timer } = systemdUnits(target, { weekday: 0, hour: 3, minute: 0 }, 'qjournal-it');
    expect(service).toContain('ExecStart=/usr/bin/node /opt/qj/dist/src/bin.js sync --config');
    expect(timer).toContain('OnCalendar=Sun *-*-* 03:00:00');
    expect(timer).toContain('Persistent=true');
  });
});
