import { html } from 'htm/preact';
import type { Job } from './types';
import { bytes, duration, plural } from './words';

/** A run in progress or just finished: totals, speed, time left, files in flight, log lines, outcome. */
export function JobPanel({ job }: { job: Job }) {
  const p = job.progress;
  const done = job.finishedAt !== null;
  const max = Math.max(1, p.bytes || p.files);
  const value = p.bytes ? p.bytesDone : p.filesDone;
  return html`
    <section class="job" aria-live="polite" data-testid="job" data-state=${done ? 'done' : 'running'}>
      <h3>${job.title}${done ? '' : '…'}</h3>
      <progress max=${max} value=${Math.min(value, max)} data-testid="job-progress" data-done=${p.bytesDone} data-total=${p.bytes}></progress>
      <p class="job-figures">
        ${bytes(p.bytesDone)} of ${bytes(p.bytes)} · ${p.filesDone} of ${plural(p.files, 'file')}
        ${!done && p.speed > 0 ? html` · ${bytes(p.speed)}/s` : ''}
        ${!done && p.etaSeconds !== null && p.etaSeconds > 0 ? html` · about ${duration(p.etaSeconds)} left` : ''}
      </p>
      ${p.inFlight.length > 0 && !done
        ? html`<ul class="in-flight" aria-label="Files being copied">
            ${p.inFlight.slice(0, 8).map((f) => html`<li key=${f.key}><span>${f.key}</span> <span>${bytes(f.bytesDone)} of ${bytes(f.bytes)}</span></li>`)}
          </ul>`
        : ''}
      ${job.outcome
        ? html`<p class=${job.outcome.ok ? 'outcome ok' : 'outcome bad'} role="status" data-testid="job-outcome">${job.outcome.message}</p>`
        : ''}
      <details open=${!done}>
        <summary>Log (${job.log.length} lines)</summary>
        <ol class="log">
          ${job.log.slice(-200).map((l, i) => html`<li key=${i} class=${`log-${l.level}`}><time>${new Date(l.at).toLocaleTimeString()}</time> ${l.message}</li>`)}
        </ol>
      </details>
    </section>
  `;
}
