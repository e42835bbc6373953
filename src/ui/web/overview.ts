import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import type { Backup, PlanView } from './types';
import { ago, bytes, localTime, OUTCOME_WORDS, runCounts, STATE_WORDS } from './words';

/** Every config side by side: is the backup fine, when did it run, when does it run next, what changed since. */
export function Overview({ backups }: { backups: Backup[] }) {
  return html`
    <h2 class="visually-hidden">Overview</h2>
    <div class="cards">
      ${backups.map((b) => html`<${BackupCard} key=${b.id} backup=${b} />`)}
      <section class="card add-card">
        <h3>Another bucket?</h3>
        <p>Each bucket and folder pair has its own config file.</p>
        <a class="button" href="#/add">Add a backup</a>
      </section>
    </div>
  `;
}

function BackupCard({ backup: b }: { backup: Backup }) {
  if (b.problem) {
    return html`<section class="card" data-testid="backup-card">
      <h3>${b.file}</h3>
      <p class="alert" role="alert">This config file has a problem:</p>
      <pre class="problem">${b.problem}</pre>
      <a class="button" href=${`#/b/${b.id}/settings`}>Fix it in Settings</a>
    </section>`;
  }
  const last = b.lastBackup;
  return html`
    <section class="card" data-testid="backup-card" aria-labelledby=${`bucket-${b.id}`}>
      <h3 id=${`bucket-${b.id}`}>Bucket <span data-testid="bucket">${b.bucket}</span>${b.prefix ? html` <small>(only ${b.prefix}…)</small>` : ''}</h3>
      <dl class="facts">
        <dt>Folder</dt><dd>${b.root}</dd>
        <dt>Last backup</dt>
        <dd data-testid="last-backup">
          ${last
            ? html`${localTime(last.startedAt)} (${ago(last.startedAt)}): ${OUTCOME_WORDS[last.outcome] ?? last.outcome}<br /><small>${runCounts(last)}</small>`
            : 'never backed up'}
        </dd>
        <dt>Next automatic backup</dt>
        <dd>${b.schedule ? html`${localTime(b.schedule.next)} <small>(every ${b.schedule.when})</small>` : html`none scheduled (<a href=${`#/b/${b.id}/settings`}>set one up</a>)`}</dd>
        <dt>Old versions kept</dt>
        <dd data-testid="versions-kept">${b.versions
          ? html`${b.versions.kept}: ${bytes(b.versions.storeBytes)} on this disk${b.versions.trashObjects ? `, ${bytes(b.versions.trashBytes)} in the bucket's trash` : ''}`
          : 'none yet'}</dd>
        <dt>Since then</dt>
        <dd><${Drift} backup=${b} /></dd>
      </dl>
      ${b.running ? html`<p class="running" role="status" data-testid="running">A backup is running now${b.job && b.job.finishedAt === null ? '' : ' (started from the terminal or the schedule)'}.</p>` : ''}
      ${(b.alerts ?? []).map((a) => html`<p class="alert" role="alert">${a}</p>`)}
      <nav class="actions" aria-label=${`Actions for ${b.bucket}`}>
        <a class="button primary" href=${`#/b/${b.id}/sync`}>Sync now</a>
        <a class="button" href=${`#/b/${b.id}/browse/`}>Browse and restore</a>
        <a class="button" href=${`#/b/${b.id}/history`}>History</a>
        <a class="button" href=${`#/b/${b.id}/settings`}>Settings</a>
      </nav>
    </section>
  `;
}

/** The `status` counts in words; it lists the bucket, so it loads after the card. */
function Drift({ backup }: { backup: Backup }) {
  const [view, setView] = useState<PlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const stamp = `${backup.lastRun?.id ?? 0}-${backup.running}`;
  useEffect(() => {
    setError(null);
    get<PlanView>(`/api/backups/${backup.id}/status`).then(setView, (e: Error) => setError(e.message));
  }, [backup.id, stamp]);
  if (error) return html`<span class="alert">could not check: ${error}</span>`;
  if (!view) return html`<span class="muted">checking…</span>`;
  const changed = Object.entries(view.counts).filter(([s, n]) => s !== 'in-sync' && n > 0);
  const size = view.items.reduce((n, i) => n + (i.size ?? 0), 0);
  return html`<span data-testid="drift">
    ${view.counts['in-sync']} files backed up;
    ${changed.length === 0 ? ' nothing changed.' : html`<ul>${changed.map(([s, n]) => html`<li key=${s}>${n} ${STATE_WORDS[s] ?? s}</li>`)}</ul>${size ? html`<small>${bytes(size)} to copy</small>` : ''}`}
  </span>`;
}
