import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, signIn, subscribe } from './api';
import { BrowseScreen } from './browse-screen';
import { HistoryScreen } from './history-screen';
import { Overview } from './overview';
import { SettingsScreen } from './settings-screen';
import { SyncScreen } from './sync-screen';
import type { Backup, Job, KeysState } from './types';

type Route =
  | { screen: 'overview' }
  | { screen: 'add' }
  | { screen: 'sync' | 'history' | 'settings'; id: number }
  | { screen: 'browse'; id: number; folder: string };

function parseRoute(hash: string): Route {
  const m = /^#\/b\/(\d+)\/(sync|history|settings|browse)(?:\/(.*))?$/.exec(hash);
  if (m) {
    const id = Number(m[1]);
    if (m[2] === 'browse') return { screen: 'browse', id, folder: (m[3] ?? '').split('/').filter(Boolean).map(decodeURIComponent).join('/') };
    return { screen: m[2] as 'sync' | 'history' | 'settings', id };
  }
  if (hash === '#/add') return { screen: 'add' };
  return { screen: 'overview' };
}

function App() {
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [backups, setBackups] = useState<Backup[] | null>(null);
  const [keys, setKeys] = useState<KeysState | null>(null);
  const [jobs, setJobs] = useState<Record<number, Job>>({});
  const [error, setError] = useState<string | null>(null);

  const refresh = () =>
    get<{ backups: Backup[]; keys: KeysState }>('/api/backups').then(
      (r) => {
        setBackups(r.backups);
        setKeys(r.keys);
        setJobs((old) => {
          const next = { ...old };
          for (const b of r.backups) if (b.job && (!next[b.id] || next[b.id].id <= b.job.id)) next[b.id] = b.job;
          return next;
        });
      },
      (e: Error) => setError(e.message),
    );

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    void refresh();
    const stop = subscribe((event, data) => {
      if (event === 'job') setJobs((old) => ({ ...old, [data.backup as number]: data.job as Job }));
      if (event === 'running') setBackups((old) => old && old.map((b) => (b.id === data.backup ? { ...b, running: data.running as boolean } : b)));
      if (event === 'changed') void refresh();
    });
    return () => {
      window.removeEventListener('hashchange', onHash);
      stop();
    };
  }, []);

  useEffect(() => {
    const h = document.querySelector('main h2');
    if (h instanceof HTMLElement) h.focus();
    window.scrollTo(0, 0);
  }, [route.screen, 'id' in route ? route.id : -1]);

  const backup = 'id' in route && backups ? backups.find((b) => b.id === route.id) : undefined;
  let body;
  if (error) body = html`<p class="alert" role="alert">${error}</p>`;
  else if (!backups) body = html`<p class="muted">Loading…</p>`;
  else if (route.screen === 'add') body = html`<${AddBackup} onAdded=${refresh} />`;
  else if (route.screen === 'overview') body = html`<${Overview} backups=${backups} />`;
  else if (!backup) body = html`<p class="alert">No such backup. <a href="#/">Back to the overview</a></p>`;
  else if (route.screen === 'sync') body = html`<${SyncScreen} backup=${backup} job=${jobs[backup.id] ?? null} />`;
  else if (route.screen === 'history') body = html`<${HistoryScreen} backup=${backup} />`;
  else if (route.screen === 'browse') body = html`<${BrowseScreen} backup=${backup} folder=${route.folder} job=${jobs[backup.id] ?? null} />`;
  else body = html`<${SettingsScreen} backup=${backup} keys=${keys} onSaved=${refresh} />`;

  return html`
    <a class="skip" href="#main">Skip to the content</a>
    <header>
      <h1><a href="#/">qjournal</a> <small>backups of your Qiniu buckets</small></h1>
      ${backups && backups.length > 1 && 'id' in route
        ? html`<nav aria-label="Backups" class="tabs">${backups.map((b) => html`<a key=${b.id} href=${`#/b/${b.id}/${route.screen}`} aria-current=${b.id === route.id ? 'page' : undefined}>${b.bucket ?? b.file}</a>`)}</nav>`
        : ''}
    </header>
    ${keys && !keys.usable ? html`<${Unlock} keys=${keys} onDone=${refresh} />` : ''}
    <main id="main" tabindex="-1">${body}</main>
  `;
}

/** The keys are stored encrypted and the server has no passphrase yet: ask for it (it stays on the server). */
function Unlock({ keys, onDone }: { keys: KeysState; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  if (!keys.stored) {
    return html`<p class="alert banner" role="alert">No Qiniu keys yet: ${keys.problem} <a href="#/b/0/settings">Store them in Settings</a>.</p>`;
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('passphrase') as HTMLInputElement;
    try {
      await post('/api/unlock', { passphrase: input.value });
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<form class="banner panel" onSubmit=${submit}>
    <label class="field">The stored keys are locked. Passphrase<input type="password" name="passphrase" required autocomplete="current-password" /></label>
    <button type="submit">Unlock</button>
    ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
  </form>`;
}

/** `qjournal init` as a form: writes a commented config file and puts it on the dashboard. */
function AddBackup({ onAdded }: { onAdded: () => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(e.target as HTMLFormElement));
    try {
      const r = await post<{ backup: Backup }>('/api/backups', data);
      await onAdded();
      location.hash = `#/b/${r.backup.id}/settings`;
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`
    <h2 tabindex="-1">Add a backup</h2>
    <form class="panel" onSubmit=${submit}>
      <p>This writes a commented config file (like <code>qjournal init</code>); an existing file is added as it is.</p>
      <label class="field">Config file (full path, or relative to where qjournal ui was started)<input name="file" type="text" required placeholder="photos.ini" /></label>
      <label class="field">Bucket name<input name="bucket" type="text" /></label>
      <label class="field">Download domain<input name="domain" type="text" placeholder="http://cdn.example.com" /></label>
      <label class="field">Backup folder<input name="root" type="text" placeholder="./backup" /></label>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
      <p class="actions"><button type="submit" class="primary">Add</button> <a href="#/">Cancel</a></p>
    </form>
  `;
}

const root = document.getElementById('app')!;
signIn().then(
  () => render(html`<${App} />`, root),
  (e: Error) => render(html`<main><h1>qjournal</h1><p class="alert" role="alert">${e.message}</p></main>`, root),
);
