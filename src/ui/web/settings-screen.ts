import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from './api';
import type { Backup, KeysState } from './types';
import { localTime } from './words';

interface Settings {
  file: string;
  sections: Record<string, string[]>;
  choices: Record<string, string[]>;
  values: Record<string, Record<string, string>>;
  problems: Problem[];
  warnings: string[];
}
interface Problem {
  section: string;
  key: string;
  message: string;
}

const HELP: Record<string, string> = {
  'bucket.name': 'The Kodo bucket to back up.',
  'bucket.domain': "Optional: download through this domain (usually a CDN, e.g. http://cdn.example.com) instead of the bucket's source domain.",
  'bucket.private': 'true when the bucket needs signed download links.',
  'bucket.prefix': 'Only back up keys that start with this (empty: the whole bucket).',
  'bucket.region': 'auto (found by itself) or a Qiniu region id (z0, z1, z2, na0, as0…); not used when endpoints set the hosts.',
  'local.root': 'The folder on this computer that holds the backup.',
  'journal.path': 'Where the journal database lives (empty: inside the folder, in .qjournal/).',
  'sync.direction': 'down: only download; up: only upload; both: two-way.',
  'sync.deletes': 'keep: never delete anything; mirror: pass deletions on (into a trash you can restore from).',
  'sync.conflict': 'What to do when a file changed on both sides: keep-both is the safe choice.',
  'sync.concurrency': 'How many files are copied at the same time (1 to 64).',
  'sync.exclude': 'Comma-separated patterns of files to leave out, e.g. *.tmp, cache/',
  'sync.max_delete': 'Refuse a run that would delete more than this share of the files, e.g. 50%.',
  'sync.bwlimit': 'Speed limit each way in bytes per second, e.g. 10M (0: no limit).',
  'log.level': 'How much the log says: debug, info, warn or error.',
  'log.file': 'A log file to append to (empty: none).',
};

/** The config file as a form (checked by the CLI's parser, written back keeping comments), keys and the schedule. */
export function SettingsScreen({ backup, keys, onSaved }: { backup: Backup; keys: KeysState | null; onSaved: () => void }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [values, setValues] = useState<Record<string, Record<string, string>>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const load = () =>
    get<Settings>(`/api/backups/${backup.id}/settings`).then((s) => {
      setSettings(s);
      setValues(s.values);
      setProblems(s.problems);
    });
  useEffect(() => void load(), [backup.id]);

  const set = (section: string, key: string, value: string) => setValues({ ...values, [section]: { ...values[section], [key]: value } });
  const save = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const sent: Record<string, Record<string, string>> = {};
    for (const [section, ks] of Object.entries(settings!.sections)) {
      sent[section] = {};
      for (const k of ks) sent[section][k] = values[section]?.[k] ?? '';
    }
    try {
      const r = await post<{ saved: boolean; warnings: string[] }>(`/api/backups/${backup.id}/settings`, { values: sent });
      setProblems([]);
      setMessage({ ok: true, text: r.saved ? `Saved to ${settings!.file} (its comments were kept).${r.warnings.length ? ` Note: ${r.warnings.join('; ')}` : ''}` : 'Nothing changed.' });
      onSaved();
    } catch (err) {
      const body = err instanceof ApiError ? (err.body.details as { problems?: Problem[] } | undefined) : undefined;
      setProblems(body?.problems ?? []);
      setMessage({ ok: false, text: `Not saved, the file is unchanged. ${(err as Error).message}` });
    }
  };

  if (!settings) return html`<h2>Settings</h2><p class="muted">Reading ${backup.file}…</p>`;
  return html`
    <h2>Settings: ${backup.bucket ?? backup.file}</h2>
    <form class="settings" onSubmit=${save} novalidate data-testid="settings-form">
      <p>These are the keys of <code>${settings.file}</code>. Empty means the default.</p>
      ${Object.entries(settings.sections).map(
        ([section, ks]) => html`<fieldset key=${section}>
          <legend>[${section}]</legend>
          ${ks.map((k) => {
            const id = `f-${section}-${k}`;
            const choices = settings.choices[`${section}.${k}`];
            const problem = problems.find((p) => p.section === section && p.key === k);
            const value = values[section]?.[k] ?? '';
            return html`<div class="field" key=${k}>
              <label for=${id}>${k}</label>
              ${choices
                ? html`<select id=${id} name=${`${section}.${k}`} value=${value} onChange=${(e: Event) => set(section, k, (e.target as HTMLSelectElement).value)}>
                    <option value="">(default)</option>
                    ${choices.map((c) => html`<option value=${c}>${c}</option>`)}
                  </select>`
                : html`<input id=${id} name=${`${section}.${k}`} type="text" value=${value} aria-invalid=${problem ? 'true' : 'false'} aria-describedby=${`${id}-help`}
                    onInput=${(e: Event) => set(section, k, (e.target as HTMLInputElement).value)} />`}
              <small id=${`${id}-help`}>${HELP[`${section}.${k}`] ?? ''}</small>
              ${problem ? html`<p class="alert field-problem" role="alert">${problem.message}</p>` : ''}
            </div>`;
          })}
        </fieldset>`,
      )}
      ${settings.warnings.length ? html`<ul class="warnings">${settings.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
      ${message ? html`<p class=${message.ok ? 'outcome ok' : 'outcome bad'} role="status" data-testid="settings-message">${message.text}</p>` : ''}
      <p class="actions"><button type="submit" class="primary">Save settings</button></p>
    </form>
    <${ScheduleForm} backup=${backup} />
    <${KeysForm} keys=${keys} onSaved=${onSaved} />
  `;
}

function ScheduleForm({ backup }: { backup: Backup }) {
  const [when, setWhen] = useState(backup.schedule?.when ?? 'Sun 03:00');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (body: unknown, done: string) => {
    try {
      await post(`/api/backups/${backup.id}/schedule`, body);
      setMessage({ ok: true, text: done });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return html`
    <section class="panel" aria-labelledby="schedule-title">
      <h3 id="schedule-title">Weekly automatic backup</h3>
      <p>${backup.schedule ? html`Now: every ${backup.schedule.when}; next on ${localTime(backup.schedule.next)}.` : 'Not scheduled.'}
        It runs <code>qjournal sync</code> from your crontab with the stored keys; their passphrase reaches it through a file that
        <code>qjournal schedule --install</code> writes when run once in a terminal (see the README).</p>
      <label class="field">Day and time<input type="text" value=${when} onInput=${(e: Event) => setWhen((e.target as HTMLInputElement).value)} placeholder="Sun 03:00" /></label>
      <p class="actions">
        <button type="button" onClick=${() => act({ when }, `Installed: every ${when}.`)}>Install the schedule</button>
        <button type="button" onClick=${() => act({ remove: true }, 'Removed.')} disabled=${!backup.schedule}>Remove it</button>
      </p>
      ${message ? html`<p class=${message.ok ? 'outcome ok' : 'outcome bad'} role="status">${message.text}</p>` : ''}
    </section>
  `;
}

/** `keys set`: the secret goes to the server once and is stored encrypted; it is never shown or sent back. */
function KeysForm({ keys, onSaved }: { keys: KeysState | null; onSaved: () => void }) {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
    try {
      await post('/api/keys', data);
      form.reset();
      setMessage({ ok: true, text: 'Saved, encrypted with your passphrase.' });
      onSaved();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return html`
    <form class="panel" onSubmit=${submit} aria-labelledby="keys-title" autocomplete="off">
      <h3 id="keys-title">Qiniu keys</h3>
      <p>${keys?.fromEnvironment ? 'The keys come from QINIU_ACCESS_KEY and QINIU_SECRET_KEY in the environment; they win over the stored ones.' : keys?.stored ? `Stored encrypted in ${keys.file}.` : 'No keys stored yet.'}</p>
      <label class="field">Access key<input name="accessKey" type="text" required autocomplete="off" /></label>
      <label class="field">Secret key<input name="secretKey" type="password" required autocomplete="new-password" /></label>
      <label class="field">Passphrase to encrypt them with<input name="passphrase" type="password" required autocomplete="new-password" /></label>
      ${message ? html`<p class=${message.ok ? 'outcome ok' : 'outcome bad'} role="status">${message.text}</p>` : ''}
      <p class="actions"><button type="submit">Store the keys</button></p>
    </form>
  `;
}
