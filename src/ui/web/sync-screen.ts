import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api';
import { JobPanel } from './job-panel';
import type { Backup, Job, PlanView } from './types';
import { ACTION_WORDS, bytes, plural, STATE_WORDS } from './words';

/** Sync now: first what a dry run would do, then Apply, then the run live. */
export function SyncScreen({ backup, job }: { backup: Backup; job: Job | null }) {
  const [plan, setPlan] = useState<PlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [watching, setWatching] = useState(false);
  const runningHere = job !== null && job.finishedAt === null;
  const runningElsewhere = Boolean(backup.running) && !runningHere;

  const load = () => {
    setPlan(null);
    setError(null);
    get<PlanView>(`/api/backups/${backup.id}/plan`).then(setPlan, (e: Error) => setError(e.message));
  };
  useEffect(load, [backup.id]);

  const apply = async () => {
    setStarting(true);
    setError(null);
    try {
      await post(`/api/backups/${backup.id}/sync`);
      setWatching(true);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const actions = plan ? plan.items.filter((i) => i.action !== null) : [];
  const reported = plan ? plan.items.filter((i) => i.action === null) : [];
  const total = actions.reduce((n, i) => n + (i.action === 'download' || i.action === 'upload' || i.action === 'keep-both' ? (i.size ?? 0) : 0), 0);
  const byKind = new Map<string, number>();
  for (const i of actions) byKind.set(i.action!, (byKind.get(i.action!) ?? 0) + 1);

  return html`
    <h2>Sync now: ${backup.bucket} ⇄ ${backup.root}</h2>
    ${runningElsewhere
      ? html`<p class="running" role="status" data-testid="running">A backup of this folder is running now (started from the terminal or the schedule). Sync now is not possible until it ends.</p>`
      : ''}
    ${error ? html`<p class="alert" role="alert" data-testid="error">${error}</p>` : ''}
    ${(watching || runningHere) && job ? html`<${JobPanel} job=${job} />` : ''}
    ${job && job.finishedAt !== null && watching ? html`<p><button type="button" onClick=${() => { setWatching(false); load(); }}>Check again</button> <a href="#/">Back to the overview</a></p>` : ''}
    ${!watching && !runningHere
      ? html`<section aria-labelledby="plan-title">
          <h3 id="plan-title">What a backup would do now</h3>
          ${!plan && !error ? html`<p class="muted">Comparing the bucket, the folder and the journal…</p>` : ''}
          ${plan
            ? html`
                <p data-testid="plan-summary">
                  ${actions.length === 0 ? 'Nothing to do: everything is backed up.' : `${plural(actions.length, 'change')}, ${bytes(total)} to copy: `}
                  ${[...byKind].map(([k, n]) => `${n} × ${ACTION_WORDS[k] ?? k}`).join('; ')}
                </p>
                ${plan.items.length > 0
                  ? html`<div class="table-wrap"><table data-testid="plan-items">
                      <thead><tr><th scope="col">File</th><th scope="col">What happened</th><th scope="col">What the backup will do</th><th scope="col">Size</th></tr></thead>
                      <tbody>
                        ${[...actions, ...reported].slice(0, 500).map(
                          (i) => html`<tr key=${i.key}>
                            <td>${i.path ?? i.key}${i.from ? html`<br /><small>from ${i.from}</small>` : ''}</td>
                            <td>${STATE_WORDS[i.state] ?? i.state}</td>
                            <td>${i.action ? ACTION_WORDS[i.action] ?? i.action : html`nothing${i.note ? html`<br /><small>${i.note}</small>` : ''}`}</td>
                            <td class="num">${i.size === null ? '' : bytes(i.size)}</td>
                          </tr>`,
                        )}
                      </tbody>
                    </table></div>`
                  : ''}
                <p class="actions">
                  <button type="button" class="primary" onClick=${apply} disabled=${starting || runningElsewhere || actions.length === 0} data-testid="apply">
                    ${starting ? 'Starting…' : 'Apply: back up now'}
                  </button>
                  <button type="button" onClick=${load}>Check again</button>
                </p>`
            : ''}
        </section>`
      : ''}
  `;
}
