import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { bucketContents, makeWorkspace, readTree, requestsOf, UPLOAD_ROUTES, type Workspace } from '../helpers/workspace.js';

// Issue #4, as a user lives it: many rounds of random changes on both sides (edits, new files, deletions, file and
// folder renames), a sync after each. After every round: no local change and no object is lost, every object is
// backed up byte for byte, and a second sync transfers nothing.
const emu = useEmulator();

const NAMES = ['a.txt', 'b.jpg', 'notes/c.md', 'notes/d.md', 'album/e.jpg', 'album/f.jpg', 'album/2024/g.jpg', 'x y/h.txt'];
const FOLDERS = ['notes', 'album', 'x y'];

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

/** The bucket's user keys (its trash is the tool's). */
function userObjects(): Record<string, string> {
  return Object.fromEntries(Object.entries(bucketContents(emu)).filter(([key]) => !key.startsWith('.qjournal-trash/')));
}

/** Everything kept aside: the local version store (and an old local trash) and the bucket's trash. */
async function keptContents(ws: Workspace): Promise<string[]> {
  const all = await readTree(ws.root, { includeState: true });
  const local = Object.entries(all).filter(([p]) => p.startsWith('.qjournal/trash/') || p.startsWith('.qjournal/versions/'));
  const remote = Object.entries(bucketContents(emu)).filter(([key]) => key.startsWith('.qjournal-trash/'));
  return [...local, ...remote].map(([, v]) => v);
}

async function mutate(ws: Workspace, next: () => number, round: number): Promise<void> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const content = (side: string) => `${side} r${round} ${Math.floor(next() * 1e9)} `.repeat(1 + Math.floor(next() * 50));
  for (let n = 0; n < 3; n++) {
    const local = await readTree(ws.root);
    const localNames = Object.keys(local);
    const remoteNames = [...emu.objects().keys()].filter((k) => !k.startsWith('.qjournal-trash/'));
    const r = next();
    if (r < 0.2) {
      // local edit or new local file
      const name = pick(NAMES);
      await fsp.mkdir(path.dirname(path.join(ws.root, name)), { recursive: true });
      await fsp.writeFile(path.join(ws.root, name), content('local'));
    } else if (r < 0.3 && localNames.length > 0) {
      await fsp.rm(path.join(ws.root, pick(localNames)));
    } else if (r < 0.4 && localNames.length > 0) {
      const from = pick(localNames);
      const to = pick(NAMES);
      if (!local[to] && !to.startsWith(`${from}/`)) {
        await fsp.mkdir(path.dirname(path.join(ws.root, to)), { recursive: true });
        await fsp.rename(path.join(ws.root, from), path.join(ws.root, to));
      }
    } else if (r < 0.45) {
      const folder = pick(FOLDERS);
      const target = `${folder}-renamed`;
      const exists = await fsp.stat(path.join(ws.root, folder)).catch(() => null);
      const taken = await fsp.stat(path.join(ws.root, target)).catch(() => null);
      if (exists && !taken) await fsp.rename(path.join(ws.root, folder), path.join(ws.root, target));
    } else if (r < 0.7) {
      // remote edit or new object
      emu.seed({ [pick(NAMES)]: content('remote') });
    } else if (r < 0.8 && remoteNames.length > 0) {
      emu.deleteObject(pick(remoteNames));
    } else if (remoteNames.length > 0) {
      const from = pick(remoteNames);
      const to = pick(NAMES);
      if (!emu.objects().has(to)) emu.renameObject(from, to);
    }
  }
}

describe('random two-way rounds', () => {
  it.each([1, 2, 3])('seed %i: no change is lost, every object is backed up, and the next run is a no-op', async (seed) => {
    emu.reset();
    const next = random(seed);
    const ws = await makeWorkspace(emu, { sync: { direction: 'both', deletes: 'keep', conflict: 'keep-both' } });
    await fsp.mkdir(ws.root, { recursive: true });
    // Both sides as the last sync left them.
    let synced = { local: {} as Record<string, string>, remote: {} as Record<string, string> };
    for (let round = 0; round < 8; round++) {
      await mutate(ws, next, round);
      // What must survive the sync (locally, in the bucket or in the trash): every change made on either side since
      // the last sync. A version the last sync left in place may be replaced by a change from the other side.
      const changes = (now: Record<string, string>, then: Record<string, string>) =>
        Object.entries(now).filter(([name, text]) => then[name] !== text).map(([, text]) => text);
      const before = { local: await readTree(ws.root), remote: userObjects() };
      const live = new Set([...changes(before.local, synced.local), ...changes(before.remote, synced.remote)]);
      // No sync destroys a version it backed up: what the last sync left on both sides and is still on at least one
      // side now survives this sync (kept as a version when replaced or removed), and so does everything kept before.
      const backedUp = new Set(await keptContents(ws));
      for (const [key, text] of Object.entries(synced.remote)) {
        if (before.local[key] === text || before.remote[key] === text) backedUp.add(text);
      }
      const run = await ws.run('sync');
      expect(run.code, `round ${round}\n${run.stderr}`).toBe(0);

      const local = await readTree(ws.root);
      const remote = userObjects();
      for (const [key, value] of Object.entries(remote)) expect(local[key], `round ${round}: ${key}\n${run.stderr}`).toBe(value);
      const everywhere = new Set([...Object.values(local), ...Object.values(remote), ...(await keptContents(ws))]);
      expect([...live].filter((text) => !everywhere.has(text)), `round ${round}\n${run.stderr}`).toEqual([]);
      expect([...backedUp].filter((text) => !everywhere.has(text)), `round ${round}: backed-up versions lost\n${run.stderr}`).toEqual([]);

      synced = { local, remote };

      emu.resetCounters();
      const again = await ws.run('sync');
      expect(again.code, `round ${round} (again)\n${again.stderr}`).toBe(0);
      expect(requestsOf(emu, 'download', ...UPLOAD_ROUTES, 'move', 'batch', 'delete'), `round ${round} (again)\n${again.stderr}`).toBe(0);
    }
  });
});
