import cliProgress from 'cli-progress';
import type { SyncEvent } from '../sync/execute-plan.js';

/**
 * Byte-level progress bars on a TTY (total bytes, files, speed, ETA). Not a TTY: no bars at all, the event log
 * lines carry the information.
 */
export function createProgress(stream: NodeJS.WriteStream): { onEvent: (e: SyncEvent) => void; stop: () => void } | null {
  if (!stream.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {value_h}/{total_h} | {files} files | {speed}/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? humanBytes(v) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  let files = 0;
  let totalFiles = 0;
  let done = 0;
  const started = Date.now();
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          totalFiles = e.files;
          if (e.files > 0) bar.start(Math.max(1, e.bytes), 0, { files: `0/${totalFiles}`, speed: '0 B', value_h: '0 B', total_h: humanBytes(e.bytes) });
          break;
        case 'bytes':
          done += e.n;
          bar.update(done, { speed: humanBytes(done / Math.max(0.001, (Date.now() - started) / 1000)), value_h: humanBytes(done) });
          break;
        case 'action-end':
          files++;
          bar.update(done, { files: `${files}/${totalFiles}` });
          break;
        case 'action-start':
          break;
      }
    },
    stop() {
      bar.stop();
    },
  };
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
