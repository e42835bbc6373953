/** Plain words, sizes and local times for the page. */

import { humanBytes } from '../../core/human-units';

/** Sizes read the same on the page as in the terminal. */
export const bytes = humanBytes;

export const STATE_WORDS: Record<string, string> = {
  'in-sync': 'backed up',
  'new-remote': 'new in the bucket, not downloaded yet',
  'new-local': 'new on this computer, not in the bucket yet',
  'remote-modified': 'changed in the bucket',
  'local-modified': 'changed on this computer',
  conflict: 'changed on both sides',
  'remote-deleted': 'deleted from the bucket (still here)',
  'local-deleted': 'missing on this computer (still in the bucket)',
  'renamed-remote': 'renamed in the bucket',
  'renamed-local': 'renamed on this computer',
  unmappable: 'cannot be stored as a file here',
};

export const ACTION_WORDS: Record<string, string> = {
  download: 'download it',
  upload: 'upload it',
  record: 'nothing to copy (same on both sides); just note it',
  'move-remote': 'rename it in the bucket',
  'move-local': 'rename it here',
  'delete-remote': "move it to the bucket's trash",
  'trash-local': "move it to this computer's trash (.qjournal/trash)",
  'keep-both': 'keep both copies',
  forget: 'forget it (gone on both sides)',
};

export const OUTCOME_WORDS: Record<string, string> = {
  ok: 'finished fine',
  partial: 'finished, but some files failed',
  conflicts: 'finished, with conflicts to resolve',
  aborted: 'stopped for safety, nothing changed',
  failed: 'failed',
  running: 'running or interrupted',
};

export function localTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function ago(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function runCounts(r: { downloaded: number; uploaded: number; moved: number; deleted: number; conflicts: number; failed: number; bytesDown: number; bytesUp: number }): string {
  const parts = [`${r.downloaded} downloaded (${bytes(r.bytesDown)})`, `${r.uploaded} uploaded (${bytes(r.bytesUp)})`];
  if (r.moved) parts.push(`${r.moved} renamed`);
  if (r.deleted) parts.push(`${r.deleted} moved to trash`);
  if (r.conflicts) parts.push(plural(r.conflicts, 'conflict'));
  if (r.failed) parts.push(`${r.failed} failed`);
  return parts.join(', ');
}
