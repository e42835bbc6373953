import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api';
import { bytes, localTime } from './words';

interface KeyVersion {
  hash: string;
  fsize: number;
  since: string;
  until: string | null;
  origin: string | null;
  where: string;
}

const ORIGIN_WORDS: Record<string, string> = {
  'remote-overwrite': 'replaced in the bucket',
  'remote-delete': 'deleted from the bucket',
  'local-edit': 'edited on this computer',
  'local-delete': 'deleted on this computer',
  conflict: 'changed on both sides',
  renamed: 'renamed',
  restore: 'replaced by a restore',
  deleted: 'was in the local trash',
  lost: 'lost before it could be kept',
};
const WHERE_WORDS: Record<string, string> = {
  root: 'the file in the backup folder',
  store: 'kept in the backup folder (.qjournal)',
  'bucket-trash': "kept in the bucket's trash",
  gone: 'gone (removed by the retention policy)',
};

/** Every known version of one file (`qjournal versions`), each restorable in place or into a new file. */
export function VersionsPanel({ backupId, file, onStarted, onClose }: { backupId: number; file: { key: string; name: string }; onStarted: () => void; onClose: () => void }) {
  const [versions, setVersions] = useState<KeyVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [to, setTo] = useState('');
  useEffect(() => {
    get<{ versions: KeyVersion[] }>(`/api/backups/${backupId}/versions?key=${encodeURIComponent(file.key)}`).then((r) => setVersions(r.versions), (e: Error) => setError(e.message));
  }, [backupId, file.key]);
  const restore = async (hash: string, copy: boolean) => {
    setError(null);
    try {
      await post(`/api/backups/${backupId}/restore-version`, { key: file.key, hash, to: copy ? to : undefined });
      onStarted();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`
    <section class="panel" aria-labelledby="versions-title" data-testid="versions">
      <h3 id="versions-title">Versions of ${file.name}</h3>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
      ${!versions && !error ? html`<p class="muted">Reading the journal…</p>` : ''}
      ${versions && versions.length === 0 ? html`<p>No versions of this file are known yet.</p>` : ''}
      ${versions && versions.length > 0
        ? html`<label class="field">To save a copy instead, the new file's full path<input type="text" value=${to} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} placeholder="/home/me/old-copy.jpg" /></label>
            <div class="table-wrap"><table>
              <thead><tr><th scope="col">From</th><th scope="col">Until</th><th scope="col" class="num">Size</th><th scope="col">Why it ended</th><th scope="col">Where it is</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                ${versions.map(
                  (v, i) => html`<tr key=${v.hash + v.since} data-version=${i}>
                    <td>${localTime(Date.parse(v.since))}</td>
                    <td>${v.until ? localTime(Date.parse(v.until)) : 'now (current)'}</td>
                    <td class="num">${bytes(v.fsize)}</td>
                    <td>${v.origin ? (ORIGIN_WORDS[v.origin] ?? v.origin) : ''}</td>
                    <td>${WHERE_WORDS[v.where] ?? v.where}</td>
                    <td>${v.where === 'gone'
                      ? ''
                      : html`<button type="button" onClick=${() => restore(v.hash, false)} aria-label=${`Put back the version from ${localTime(Date.parse(v.since))}`}>Put back</button>
                          <button type="button" onClick=${() => restore(v.hash, true)} disabled=${!to} aria-label=${`Save a copy of the version from ${localTime(Date.parse(v.since))}`}>Save a copy</button>`}</td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        : ''}
      <p class="actions"><button type="button" onClick=${onClose}>Close</button></p>
    </section>
  `;
}

/** `restore --at T [--prefix P] --to DIR`: a folder (or everything) exactly as it was at a time, into a new folder. */
export function RestoreAtForm({ backupId, folder, onStarted, onCancel }: { backupId: number; folder: string; onStarted: () => void; onCancel: () => void }) {
  const [at, setAt] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await post(`/api/backups/${backupId}/restore-at`, { at, folder, to });
      onStarted();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`
    <form class="panel" onSubmit=${submit} aria-labelledby="restore-at-title" data-testid="restore-at-form">
      <h3 id="restore-at-title">Restore ${folder === '' ? 'everything' : folder} as it was at a time</h3>
      <p>Exactly the files that existed then, each with the bytes it had then, into a new or empty folder (laid out as in the backup folder).</p>
      <label class="field">When (your local time; or a run like #12, or an age like 3d)
        <input type="text" value=${at} onInput=${(e: Event) => setAt((e.target as HTMLInputElement).value)} placeholder="2026-03-01 12:00" required /></label>
      <label class="field">Pick a date instead<input type="datetime-local" step="1" onInput=${(e: Event) => setAt((e.target as HTMLInputElement).value)} /></label>
      <label class="field">Into the folder (full path)<input type="text" value=${to} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} placeholder="/home/me/as-of-march" required /></label>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
      <p class="actions"><button type="submit" class="primary">Restore</button> <button type="button" onClick=${onCancel}>Cancel</button></p>
    </form>
  `;
}
