import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import type { Backup, RunRecord } from './types';
import { duration, localTime, OUTCOME_WORDS, runCounts } from './words';

type Run = RunRecord & { events: { id: number; at: number; level: string; message: string }[] };

/** The runs from the journal, newest first, each with its counts, outcome and log lines. */
export function HistoryScreen({ backup }: { backup: Backup }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<{ runs: Run[] }>(`/api/backups/${backup.id}/runs`).then((r) => setRuns(r.runs), (e: Error) => setError(e.message));
  }, [backup.id, backup.lastRun?.id, backup.running]);
  return html`
    <h2>History: ${backup.bucket}</h2>
    ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
    ${runs && runs.length === 0 ? html`<p>No runs yet: this folder was never backed up.</p>` : ''}
    <ol class="runs" data-testid="runs">
      ${(runs ?? []).map(
        (r) => html`<li key=${r.id} class=${`run run-${r.outcome}`}>
          <details>
            <summary>
              <strong>${localTime(r.startedAt)}</strong>${` · ${r.command === 'sync' ? 'backup' : r.command} · `}<span class="outcome-word">${OUTCOME_WORDS[r.outcome] ?? r.outcome}</span>${r.finishedAt ? ` · took ${duration((r.finishedAt - r.startedAt) / 1000)}` : ''}
              <br /><small>${runCounts(r)}</small>
            </summary>
            ${r.message ? html`<p>${r.message}</p>` : ''}
            ${r.events.length
              ? html`<ol class="log">${r.events.map((e) => html`<li key=${e.id} class=${`log-${e.level}`}><time>${new Date(e.at).toLocaleTimeString()}</time> ${e.message}</li>`)}</ol>`
              : html`<p class="muted">No warnings or errors were logged.</p>`}
          </details>
        </li>`,
      )}
    </ol>
  `;
}
