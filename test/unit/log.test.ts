import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/config/config.js';
import { createLogger, redactor, systemClock } from '../../src/log/create-logger.js';
import { escapeControl, formatLogLine } from '../../src/log/format-line.js';
import { ConfigError } from '../../src/errors.js';

const LINE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} \[(DEBUG|INFO|WARN|ERROR)\] /;

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

const fixedClock = () => ({ date: new Date(2015, 6, 31, 15, 21, 31, 769), micros: 769716 });

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-log-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('formatLogLine', () => {
  it('is the qrsync format, in local time', () => {
    expect(formatLogLine(new Date(2015, 6, 31, 15, 21, 31), 769716, 'info', 'Putting a.txt')).toBe(
      '2015/07/31 15:21:31.769716 [INFO] Putting a.txt',
    );
  });

  it('zero-pads every field', () => {
    expect(formatLogLine(new Date(2024, 0, 2, 3, 4, 5), 7, 'warn', 'x')).toBe('2024/01/02 03:04:05.000007 [WARN] x');
  });

  it.each<LogLevel>(['debug', 'info', 'warn', 'error'])('matches the contract regex at %s', (level) => {
    expect(formatLogLine(new Date(), 123, level, 'm')).toMatch(LINE);
  });

  it('one event is one line: line breaks and control characters are escaped, tabs stay', () => {
    expect(formatLogLine(new Date(2015, 0, 1), 0, 'error', 'a\nb\r\nc\td\u0000e\u001b\u2028')).toBe(
      '2015/01/01 00:00:00.000000 [ERROR] a\\nb\\r\\nc\td\\x00e\\x1b\\u2028',
    );
    expect(escapeControl('plain 中文 50% off.txt')).toBe('plain 中文 50% off.txt');
  });
});

describe('systemClock', () => {
  it('agrees with Date.now() to the millisecond and never goes backwards', () => {
    const clock = systemClock();
    let last = -1;
    for (let i = 0; i < 2000; i++) {
      const before = Date.now();
      const { date, micros } = clock();
      expect(date.getTime()).toBeGreaterThanOrEqual(before);
      expect(Math.floor(micros / 1000)).toBe(date.getMilliseconds());
      const t = Math.floor(date.getTime() / 1000) * 1e6 + micros;
      // Non-decreasing: more than 1,000 lines in one millisecond cannot all get distinct microseconds.
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });
});

describe('createLogger', () => {
  it('writes exact lines to the console stream, filtered by level', async () => {
    const out = sink();
    const logger = createLogger({ level: 'warn', console: out.stream, clock: fixedClock });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    await logger.close();
    expect(out.lines()).toEqual(['2015/07/31 15:21:31.769716 [WARN] w', '2015/07/31 15:21:31.769716 [ERROR] e']);
  });

  it.each<[LogLevel, string[]]>([
    ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['info', ['INFO', 'WARN', 'ERROR']],
    ['warn', ['WARN', 'ERROR']],
    ['error', ['ERROR']],
  ])('level %s shows %j', async (level, shown) => {
    const out = sink();
    const logger = createLogger({ level, console: out.stream });
    for (const l of ['debug', 'info', 'warn', 'error'] as const) logger[l](`message at ${l}`);
    await logger.close();
    const lines = out.lines();
    for (const line of lines) expect(line).toMatch(LINE);
    expect(lines.map((l) => LINE.exec(l)![1])).toEqual(shown);
  });

  it('consoleLevel (-v, -q) changes the console only: the file and the history keep [log] level', async () => {
    const file = path.join(dir, 'q.log');
    for (const [consoleLevel, consoleTags] of [['debug', ['DEBUG', 'INFO', 'WARN']], ['error', []]] as const) {
      const out = sink();
      const events: string[] = [];
      const logger = createLogger({ level: 'info', consoleLevel, console: out.stream, file, onEvent: (l) => events.push(l) });
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      await logger.close();
      expect(out.lines().map((l) => LINE.exec(l)![1])).toEqual(consoleTags);
      expect(events).toEqual(['info', 'warn']);
    }
    const fileTags = (await fsp.readFile(file, 'utf8')).trimEnd().split('\n').map((l) => LINE.exec(l)![1]);
    expect(fileTags).toEqual(['INFO', 'WARN', 'INFO', 'WARN']);
  });

  it('appends to a file (creating its folder) and close() flushes it', async () => {
    const file = path.join(dir, 'logs', 'nested', 'qjournal.log');
    const first = createLogger({ level: 'info', console: null, file });
    first.info('Getting a.txt');
    first.debug('hidden');
    await first.close();
    const second = createLogger({ level: 'info', console: null, file });
    second.error('Failed b.txt');
    await second.close();
    await second.close(); // idempotent
    second.info('after close: dropped, not thrown');
    const lines = (await fsp.readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} \[INFO\] Getting a\.txt$/);
    expect(lines[1]).toMatch(/\[ERROR\] Failed b\.txt$/);
    expect(lines[2]).toBe('');
  });

  it('an unusable log file is a ConfigError for [log] file', () => {
    expect(() => createLogger({ level: 'info', console: null, file: dir })).toThrow(ConfigError);
  });

  it('redacts secrets everywhere: console, file and onEvent', async () => {
    const out = sink();
    const file = path.join(dir, 'q.log');
    const events: string[] = [];
    const secret = 'S3cr3t/Key+=';
    const logger = createLogger({
      level: 'debug',
      console: out.stream,
      file,
      secrets: [secret, ''],
      onEvent: (_level, message) => events.push(message),
    });
    logger.error(`auth failed with ${secret} (url ...token=${encodeURIComponent(secret)})`);
    await logger.close();
    const all = [out.lines().join('\n'), await fsp.readFile(file, 'utf8'), events.join('\n')];
    for (const text of all) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
      expect(text).toContain('auth failed with *** (url ...token=***)');
    }
  });

  it('onEvent gets WARN and ERROR always, the rest by level, unescaped', async () => {
    const events: [LogLevel, string][] = [];
    const logger = createLogger({ level: 'error', console: null, onEvent: (level, message) => events.push([level, message]) });
    logger.debug('d');
    logger.info('i');
    logger.warn('w\nx');
    logger.error('e');
    await logger.close();
    expect(events).toEqual([
      ['warn', 'w\nx'],
      ['error', 'e'],
    ]);
  });

  it('colours only the level tag, and only when asked (a TTY by default)', async () => {
    const out = sink();
    const logger = createLogger({ level: 'info', console: out.stream, color: true, clock: fixedClock });
    logger.error('boom');
    await logger.close();
    expect(out.lines()).toEqual(['2015/07/31 15:21:31.769716 \u001b[31m[ERROR]\u001b[39m boom']);

    const plain = sink();
    const notTty = createLogger({ level: 'info', console: plain.stream, clock: fixedClock });
    notTty.error('boom');
    expect(plain.lines()).toEqual(['2015/07/31 15:21:31.769716 [ERROR] boom']);
  });
});

describe('redactor', () => {
  it('replaces the longest secret first and leaves other text alone', () => {
    const redact = redactor(['abc', 'abcdef']);
    expect(redact('x abcdef y abc z')).toBe('x *** y *** z');
    expect(redactor([])('abc')).toBe('abc');
  });
});
