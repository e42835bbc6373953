// Peak RSS of a no-op sync at 1 M keys (goal <= 250 MB). The backed-up state (1 M files + 1 M journal rows) is built
// directly instead of by a 1 M-file initial sync, which would only measure the disk.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../dist/src/emulator/index.js';
import { openJournal } from '../dist/src/journal/open-journal.js';
import { reportJournalCost } from './journal-cost.mjs';
import { mib, runCli, workspace } from './lib.mjs';

const keyOf = (i) => `d${String(i % 1000).padStart(3, '0')}/f${String(i).padStart(7, '0')}.txt`;

/**
 * A workspace whose `keys` objects, files and journal rows already agree (built directly: a 1 M-file initial sync
 * would only measure the disk). Its journal was written outside a sync, so the first run reads the table and builds
 * the files snapshot.
 */
export async function seedBackedUpWorkspace(emu, name, keys) {
  const objects = {};
  for (let i = 0; i < keys; i++) objects[keyOf(i)] = `c${i}\n`;
  emu.seed(objects);
  const ws = workspace(name, emu, { concurrency: 16 });
  const listed = emu.objects();
  const journal = await openJournal(path.join(ws.root, '.qjournal', 'journal.db'));
  const runId = await journal.startRun({ command: 'bench-setup', direction: 'down' });
  let batch = [];
  for (let i = 0; i < keys; i++) {
    const key = keyOf(i);
    const abs = path.join(ws.root, key);
    if (i < 1000) mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, objects[key]);
    const st = statSync(abs);
    const o = listed.get(key);
    batch.push({ key, path: key, remoteHash: o.hash, fsize: o.fsize, putTime: o.putTime, localSize: st.size, localMtimeMs: st.mtimeMs, syncedAt: Date.now(), runId });
    if (batch.length === 10_000) {
      await journal.recordEntries(batch);
      batch = [];
    }
  }
  await journal.recordEntries(batch);
  await journal.close();
  return ws;
}

export async function benchMillionKeys({ keys = 1_000_000 } = {}) {
  const emu = await startEmulator({ port: 0, bucket: 'bench' });
  try {
    const ws = await seedBackedUpWorkspace(emu, 'million-keys', keys);

    // The journal was written outside a sync, so the first run reads its table and then builds the files snapshot
    // (what any run after a journal write does); the second reads the snapshot (every later no-op).
    const first = await runCli(ws, 'sync');
    const run = await runCli(ws, 'sync');
    const downloads = emu.counters().requests.download ?? 0;
    console.log(`first no-op sync of ${keys} keys (reads the table, builds the snapshot): ${(first.ms / 1000).toFixed(1)} s, peak RSS ${mib(first.maxRssBytes)} MiB`);
    console.log(`no-op sync of ${keys} keys: ${(run.ms / 1000).toFixed(1)} s, ${downloads} downloads, peak RSS ${mib(run.maxRssBytes)} MiB (goal <= 250 MB = ${mib(250e6)} MiB)`);
    await reportJournalCost(path.join(ws.root, '.qjournal', 'journal.db'), keys, keyOf);
    const maxRssBytes = Math.max(first.maxRssBytes, run.maxRssBytes);
    return { ms: run.ms, firstMs: first.ms, maxRssBytes, downloads };
  } finally {
    await emu.close();
  }
}
