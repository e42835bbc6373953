import { describe, expect, it } from 'vitest';
import { installedWeeklyTime, nextWeeklyRun, withoutCrontabLine } from '../../src/core/installed-schedule.js';
import { crontabLine, mergeCrontab, scheduleName } from '../../src/core/schedule.js';

const target = { node: '/usr/bin/node', bin: '/opt/q/qjournal.js', config: '/home/me/photos.ini', workDir: '/home/me', logFile: '/home/me/qjournal-cron.log', env: {} };

describe('reading the installed weekly schedule back', () => {
  it('finds the weekday and time of this config’s line, and removes only that line', () => {
    const mine = crontabLine(target, { kind: 'weekly', weekday: 0, hour: 3, minute: 5 }, scheduleName(target.config));
    const other = crontabLine({ ...target, config: '/home/me/docs.ini' }, { kind: 'weekly', weekday: 2, hour: 4, minute: 0 }, scheduleName('/home/me/docs.ini'));
    const tab = mergeCrontab(`MAILTO=me\n${other}\n`, mine, scheduleName(target.config));
    expect(installedWeeklyTime(tab, target.config)).toEqual({ weekday: 0, hour: 3, minute: 5 });
    expect(installedWeeklyTime(tab, '/home/me/none.ini')).toBeNull();
    expect(withoutCrontabLine(tab, target.config)).toBe(`MAILTO=me\n${other}\n`);
    expect(installedWeeklyTime(withoutCrontabLine(tab, target.config), target.config)).toBeNull();
  });

  it.each([
    ['later the same day', new Date(2026, 2, 1, 1, 0), { weekday: 0, hour: 3, minute: 0 }, new Date(2026, 2, 1, 3, 0)],
    ['a week later when the time passed', new Date(2026, 2, 1, 3, 0), { weekday: 0, hour: 3, minute: 0 }, new Date(2026, 2, 8, 3, 0)],
    ['another weekday', new Date(2026, 2, 4, 12, 0), { weekday: 1, hour: 9, minute: 30 }, new Date(2026, 2, 9, 9, 30)],
  ])('next run: %s', (_name, now, when, expected) => {
    expect(nextWeeklyRun(when, now)).toEqual(expected);
  });
});
