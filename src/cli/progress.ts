import cliProgress from 'cli-progress';
import { humanBytes } from '../core/human-units.js';
import type { SyncEvent } from '../sync/execute-plan.js';

export interface Progress {
  onEvent(e: SyncEvent): void;
  /**
   * Where the console log sink writes while bars may be on screen: lines are printed above the bars instead of being
   * torn through them. Same TTY-ness as the real stream (the logger colours by it).
   */
  console: NodeJS.WritableStream;
  stop(): void;
}

/** Bars for files still in flight; more are summed in the total bar only, so the screen stays readable. */
const MAX_FILE_BARS = 8;
/** What the total bar prints besides its name and bar, at most (`| 1023.9 MiB/1023.9 MiB | 9999/9999 files | …`). */
const TEXT_WIDTH = 76;

/**
 * Byte-level progress on a TTY: a total bar (bytes, files, speed, ETA) and one bar per file being transferred, each
 * moving with every slice of bytes, not per part. Not a TTY: null — no bars at all, the event log lines carry the
 * information.
 */
export function createProgress(stream: NodeJS.WriteStream): Progress | null {
  if (!stream.isTTY) return null;
  // Fit the terminal: the label gets a quarter of it, the bar what the text leaves (cli-progress cuts longer lines).
  const columns = stream.columns || 80;
  const nameWidth = Math.max(12, Math.min(32, Math.floor(columns / 4)));
  const barsize = Math.max(10, Math.min(40, columns - nameWidth - TEXT_WIDTH));
  const multi = new cliProgress.MultiBar(
    {
      stream,
      barsize,
      hideCursor: true,
      // Bars are cut to the terminal width; log lines, written raw above them, wrap and stay whole.
      linewrap: true,
      // At the end the bars go; the log above them ends with the run's `Done:` summary.
      clearOnComplete: true,
      etaBuffer: 50,
      format: '{name} {bar} {percentage}% | {value_h}/{total_h} | {speed}/s | ETA {eta_formatted}',
      formatValue: (v, _o, type) => (type === 'percentage' ? String(v).padStart(3) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  let total: cliProgress.SingleBar | null = null;
  let stopped = false;
  const started = Date.now();
  let files = 0;
  let totalFiles = 0;
  let done = 0;
  const fileBars = new Map<string, { bar: cliProgress.SingleBar; done: number; started: number }>();

  const speed = (bytes: number, since: number) => `${humanBytes(bytes / Math.max(0.001, (Date.now() - since) / 1000))}`;
  const console = Object.assign(Object.create(stream) as NodeJS.WriteStream, {
    write(chunk: string | Uint8Array): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (total && !stopped) multi.log(text);
      else stream.write(text);
      return true;
    },
  });

  return {
    console,
    onEvent(e) {
      if (stopped) return;
      switch (e.type) {
        case 'start':
          totalFiles = e.files;
          if (e.files === 0) return;
          total = multi.create(Math.max(1, e.bytes), 0, {
            name: 'total'.padEnd(nameWidth),
            speed: '0 B',
            value_h: '0 B',
            total_h: humanBytes(e.bytes),
            files: `0/${totalFiles}`,
          }, { format: '{name} {bar} {percentage}% | {value_h}/{total_h} | {files} files | {speed}/s | ETA {eta_formatted}' });
          return;
        case 'action-start':
          if (e.bytes > 0 && fileBars.size < MAX_FILE_BARS && !fileBars.has(e.action.key)) {
            const bar = multi.create(e.bytes, 0, { name: shorten(e.action.key, nameWidth), speed: '0 B', value_h: '0 B', total_h: humanBytes(e.bytes) });
            fileBars.set(e.action.key, { bar, done: 0, started: Date.now() });
          }
          return;
        case 'bytes': {
          done += e.n;
          total?.update(done, { speed: speed(done, started), value_h: humanBytes(done) });
          const file = fileBars.get(e.key);
          if (file) {
            file.done += e.n;
            file.bar.update(file.done, { speed: speed(file.done, file.started), value_h: humanBytes(file.done) });
          }
          return;
        }
        case 'action-end': {
          files++;
          total?.update(done, { files: `${files}/${totalFiles}` });
          const file = fileBars.get(e.action.key);
          if (file) {
            fileBars.delete(e.action.key);
            multi.remove(file.bar);
          }
          return;
        }
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (!total) return;
      // MultiBar.stop() drops log lines not yet drawn: one last redraw prints them first.
      multi.update();
      multi.stop();
    },
  };
}

/** A key cut to a fixed width for the bar's label, keeping its end (the file name). */
function shorten(key: string, width: number): string {
  const chars = [...key];
  if (chars.length <= width) return key.padEnd(width);
  return `…${chars.slice(chars.length - width + 1).join('')}`;
}

export { humanBytes } from '../core/human-units.js';
