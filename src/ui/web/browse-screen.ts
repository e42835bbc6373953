import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api';
import { JobPanel } from './job-panel';
import { RestoreAtForm, VersionsPanel } from './versions-panel';
import type { Backup, BrowseListing, Job } from './types';
import { bytes, plural, STATE_WORDS } from './words';

const MISSING = new Set(['local-deleted', 'remote-deleted', 'new-remote']);

/** The backed-up tree, a folder at a time, and Restore for a file or a folder, in place or into a new folder. */
export function BrowseScreen({ backup, folder, job }: { backup: Backup; folder: string; job: Job | null }) {
  const [listing, setListing] = useState<BrowseListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<{ path: string; folder: boolean } | null>(null);
  const [versionsOf, setVersionsOf] = useState<{ key: string; name: string } | null>(null);
  const [asOf, setAsOf] = useState(false);
  const [watching, setWatching] = useState(false);
  const finished = job?.finishedAt ?? null;
  useEffect(() => {
    setError(null);
    get<BrowseListing>(`/api/backups/${backup.id}/browse?folder=${encodeURIComponent(folder)}`).then(setListing, (e: Error) => setError(e.message));
  }, [backup.id, folder, finished]);

  const parts = folder === '' ? [] : folder.split('/');
  const href = (p: string) => `#/b/${backup.id}/browse/${p.split('/').map(encodeURIComponent).join('/')}`;
  return html`
    <h2>Browse and restore: ${backup.bucket}</h2>
    <nav aria-label="Folder" class="crumbs">
      <a href=${href('')}>${backup.root}</a>
      ${parts.map((p, i) => html` / <a href=${href(parts.slice(0, i + 1).join('/'))}>${p}</a>`)}
    </nav>
    ${watching && job ? html`<${JobPanel} job=${job} />` : ''}
    ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
    ${asOf ? html`<${RestoreAtForm} backupId=${backup.id} folder=${folder} onStarted=${() => { setAsOf(false); setWatching(true); }} onCancel=${() => setAsOf(false)} />` : ''}
    ${versionsOf ? html`<${VersionsPanel} backupId=${backup.id} file=${versionsOf} onStarted=${() => { setVersionsOf(null); setWatching(true); }} onClose=${() => setVersionsOf(null)} />` : ''}
    ${chosen ? html`<${RestoreForm} backup=${backup} target=${chosen} onStarted=${() => { setChosen(null); setWatching(true); }} onCancel=${() => setChosen(null)} />` : ''}
    ${!listing && !error ? html`<p class="muted">Reading the journal and the folder…</p>` : ''}
    ${listing
      ? html`
          <p class="actions">
            <button type="button" onClick=${() => setChosen({ path: folder, folder: true })}>Restore ${folder === '' ? 'everything' : 'this folder'}…</button>
            <button type="button" onClick=${() => setAsOf(true)}>Restore ${folder === '' ? 'everything' : 'this folder'} as it was at a time…</button>
          </p>
          <div class="table-wrap"><table data-testid="browse">
            <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col" class="num">Size</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${listing.folders.map(
                (f) => html`<tr key=${`d:${f.name}`}>
                  <td><a href=${href(f.path)}>📁 ${f.name}/</a></td>
                  <td>${plural(f.files, 'file')}${Object.entries(f.drift).map(([s, n]) => html`<br /><small>${n} ${STATE_WORDS[s] ?? s}</small>`)}</td>
                  <td class="num">${bytes(f.size)}</td>
                  <td><button type="button" onClick=${() => setChosen({ path: f.path, folder: true })} aria-label=${`Restore folder ${f.name}`}>Restore…</button></td>
                </tr>`,
              )}
              ${listing.files.map(
                (f) => html`<tr key=${`f:${f.name}`} data-state=${f.state}>
                  <td>${f.name}</td>
                  <td class=${MISSING.has(f.state) ? 'missing' : ''}>${STATE_WORDS[f.state] ?? f.state}</td>
                  <td class="num">${bytes(f.size)}</td>
                  <td><button type="button" onClick=${() => setChosen({ path: f.path, folder: false })} aria-label=${`Restore ${f.name}`}>Restore…</button>
                    <button type="button" onClick=${() => setVersionsOf({ key: f.key, name: f.name })} aria-label=${`Versions of ${f.name}`}>Versions…</button></td>
                </tr>`,
              )}
            </tbody>
          </table></div>
          ${listing.folders.length + listing.files.length === 0 ? html`<p>Nothing here yet: run a backup first.</p>` : ''}
          ${listing.unmappable.length
            ? html`<h3>Keys that cannot be files here</h3><ul>${listing.unmappable.map((u) => html`<li key=${u.key}><code>${u.key}</code> ${u.note ?? ''}</li>`)}</ul>`
            : ''}`
      : ''}
  `;
}

function RestoreForm({ backup, target, onStarted, onCancel }: { backup: Backup; target: { path: string; folder: boolean }; onStarted: () => void; onCancel: () => void }) {
  const [where, setWhere] = useState<'place' | 'new'>('place');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const name = target.path === '' ? 'everything' : target.path;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await post(`/api/backups/${backup.id}/restore`, { path: target.path, folder: target.folder, to: where === 'new' ? to : undefined });
      onStarted();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`
    <form class="panel" onSubmit=${submit} aria-labelledby="restore-title" data-testid="restore-form">
      <h3 id="restore-title">Restore ${name}</h3>
      <fieldset>
        <legend>Where to?</legend>
        <label><input type="radio" name="where" checked=${where === 'place'} onChange=${() => setWhere('place')} />
          Back where ${target.folder ? 'they were' : 'it was'} (${target.folder ? 'puts back the files missing here or in the bucket; changes nothing else' : 'if it is missing here or in the bucket'})</label>
        <label><input type="radio" name="where" checked=${where === 'new'} onChange=${() => setWhere('new')} />
          Into a new folder (a copy of the current version; nothing is overwritten)</label>
        ${where === 'new'
          ? html`<label class="field">Folder (full path)<input type="text" value=${to} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} placeholder="/home/me/restored" required /></label>`
          : ''}
      </fieldset>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
      <p class="actions"><button type="submit" class="primary">Restore</button> <button type="button" onClick=${onCancel}>Cancel</button></p>
    </form>
  `;
}
