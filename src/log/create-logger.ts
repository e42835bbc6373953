import fs from 'node:fs';
import path from 'node:path';
import { Chalk } from 'chalk';
import type { LogLevel } from './log-level.js';
import { ConfigError } from '../errors.js';
import { formatLogLine } from './format-line.js';
import type { Logger, LogSink } from './logger.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface CreateLoggerOptions {
  /** Lines below this level are dropped (`[log] level`). */
  level: LogLevel;
  /** The console's own level (`-v`, `-q`, `--log-level`), default `level`: the log file and the history keep `level`. */
  consoleLevel?: LogLevel;
  /** Console sink; default process.stderr, null = none. */
  console?: NodeJS.WritableStream | null;
  /** Log file, appended to (its folder is created); null/undefined = none. */
  file?: string | null;
  /**
   * Every event for the run history: WARN and ERROR always (even with `level = error`, the journal keeps warnings),
   * DEBUG and INFO when at or above `level`. Receives the redacted message, without timestamp or escaping.
   */
  onEvent?: (level: LogLevel, message: string) => void;
  /** Strings that must never appear in any output (the secret key): replaced by `***` everywhere. */
  secrets?: string[];
  /** Colour the `[LEVEL]` tag on the console. Default: the console stream is a TTY and NO_COLOR is not set. */
  color?: boolean;
  /** Clock, for tests. Default: wall clock with microseconds (see systemClock). */
  clock?: () => { date: Date; micros: number };
}

/**
 * A Logger writing `formatLogLine` lines to the console and/or a file. The file is opened once in append mode (a
 * ConfigError for `[log] file` if it cannot be) and written synchronously line by line, so a crash loses nothing;
 * if a write fails later, file logging stops with one error on the console instead of failing the run.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const fileThreshold = RANK[opts.level];
  const consoleThreshold = RANK[opts.consoleLevel ?? opts.level];
  const threshold = Math.min(fileThreshold, consoleThreshold);
  const redact = redactor(opts.secrets ?? []);
  const clock = opts.clock ?? systemClock();
  const sinks: LogSink[] = [];

  const stream = opts.console === undefined ? process.stderr : opts.console;
  if (stream) {
    const color = opts.color ?? (Boolean((stream as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR);
    const paint = color ? levelPainter() : null;
    sinks.push((level, line) => {
      if (RANK[level] < consoleThreshold) return;
      stream.write(`${paint ? paint(level, line) : line}\n`);
    });
  }

  let fd: number | null = null;
  if (opts.file) {
    const file = opts.file;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fd = fs.openSync(file, 'a', 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError([{ file, section: 'log', key: 'file', message: `cannot open the log file for appending (${code})` }]);
    }
    sinks.push((level, line) => {
      if (fd === null || RANK[level] < fileThreshold) return;
      try {
        fs.writeSync(fd, `${line}\n`);
      } catch (err) {
        closeFile();
        emit('error', `cannot write to the log file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); file logging stopped`);
      }
    });
  }

  function closeFile() {
    if (fd === null) return;
    const closing = fd;
    fd = null;
    try {
      fs.fsyncSync(closing);
    } catch {
      // not every file system supports fsync; the data is written either way
    }
    try {
      fs.closeSync(closing);
    } catch {
      // already unusable; nothing more to flush
    }
  }

  function emit(level: LogLevel, raw: string) {
    const enabled = RANK[level] >= threshold;
    if (!enabled && RANK[level] < RANK.warn) return;
    const message = redact(raw);
    if (opts.onEvent && (RANK[level] >= fileThreshold || RANK[level] >= RANK.warn)) {
      try {
        opts.onEvent(level, message);
      } catch {
        // a failing history sink must not break the run or the other sinks
      }
    }
    if (!enabled) return;
    const { date, micros } = clock();
    const line = formatLogLine(date, micros, level, message);
    for (const sink of sinks) sink(level, line, message);
  }

  return {
    debug: (message) => emit('debug', message),
    info: (message) => emit('info', message),
    warn: (message) => emit('warn', message),
    error: (message) => emit('error', message),
    async close() {
      closeFile();
    },
  };
}

/**
 * Wall-clock time with microseconds: milliseconds from `Date.now()` (stays true to the system clock), the sub-millisecond
 * part from `process.hrtime.bigint()`; lines within the same millisecond never go backwards.
 */
export function systemClock(): () => { date: Date; micros: number } {
  let last = -1;
  return () => {
    const ms = Date.now();
    let us = ms * 1000 + Number((process.hrtime.bigint() / 1000n) % 1000n);
    if (Math.floor(last / 1000) === ms && us <= last) us = Math.min(last + 1, ms * 1000 + 999);
    last = us;
    return { date: new Date(ms), micros: (ms % 1000) * 1000 + (us % 1000) };
  };
}

/** Replace every secret (and its URL-encoded form) with `***`, longest first. Empty secrets are ignored. */
export function redactor(secrets: readonly string[]): (message: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length > 0).flatMap((s) => [s, encodeURIComponent(s)]))].sort(
    (a, b) => b.length - a.length,
  );
  if (needles.length === 0) return (message) => message;
  return (message) => needles.reduce((m, needle) => (m.includes(needle) ? m.split(needle).join('***') : m), message);
}

function levelPainter(): (level: LogLevel, line: string) => string {
  const chalk = new Chalk({ level: 1 });
  const paint: Record<LogLevel, (s: string) => string> = {
    debug: chalk.gray,
    info: chalk.cyan,
    warn: chalk.yellow,
    error: chalk.red,
  };
  return (level, line) => {
    const tag = `[${level.toUpperCase()}]`;
    return line.replace(tag, paint[level](tag));
  };
}
