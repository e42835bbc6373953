import type { LogLevel } from './log-level.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `2015/07/31 15:21:31.769716 [INFO] Putting a.txt` (qrsync style, local time).
 *
 * `micros` is the whole fraction of the second (0..999999); the Date's own milliseconds are not used, so the caller
 * decides how precise it is. One event is one line: line breaks and other control characters in `message` are escaped
 * (see escapeControl; tabs stay), so an odd key cannot split or forge log lines and `grep` sees whole events. Pure.
 */
export function formatLogLine(date: Date, micros: number, level: LogLevel, message: string): string {
  const stamp =
    `${date.getFullYear()}/${pad(date.getMonth() + 1)}/${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(Math.min(999_999, Math.max(0, Math.floor(micros))), 6)}`;
  return `${stamp} [${level.toUpperCase()}] ${escapeControl(message)}`;
}

/**
 * Keep log lines single: `\n` → `\\n`, `\r` → `\\r`, other C0/C1 controls and DEL (tab excepted) → `\\xHH`, and the
 * Unicode line/paragraph separators → `\\u2028` / `\\u2029`.
 */
export function escapeControl(message: string): string {
  return message.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    const code = ch.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}
