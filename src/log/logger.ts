import type { LogLevel } from './log-level.js';

/** Event logger writing qrsync-style lines: `2015/07/31 15:21:31.769716 [INFO] Putting a.txt`. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Flush and close file sinks. */
  close(): Promise<void>;
}

export type LogSink = (level: LogLevel, line: string, message: string) => void;
