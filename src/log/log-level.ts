/** How loud a log line is. The logger owns the levels; config's `[log] level` and the journal's events use them. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
