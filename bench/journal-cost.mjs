// What the journal costs per file as it grows (issue #14: "bounded at 1 M files"): bytes per row on disk, and the time
// of a committed action, in the batches a sync commits (JOURNAL_BATCH_SIZE rows a transaction: half re-downloads of
// known keys, half new keys), on the journal of a 1 M-key backup against the same work on a journal of 1,000 keys.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openJournal } from '../dist/src/journal/open-journal.js';
import { JOURNAL_BATCH_SIZE } from '../dist/src/sync/journal-batch.js';
import { ZERO_COUNTS } from '../dist/src/sync/locked-run.js';

const BATCHES = 300;

/** Bytes per row of the journal at `journalPath` (its database file and WAL) holding `rows` files. */
function bytesPerRow(journalPath, rows) {
  const size = (f) => statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  return (size(journalPath) + size(`${journalPath}-wal`)) / rows;
}

const SMALL = 1_000;

/**
 * Microseconds per committed action: BATCHES transactions of JOURNAL_BATCH_SIZE settled entries. `existingKey(i)`
 * names a key the journal holds (replaced: a new version, the old one kept).
 */
async function microsPerAction(journalPath, existingKey, tag) {
  const journal = await openJournal(journalPath);
  try {
    const runId = await journal.startRun({ command: 'bench-journal-cost', direction: 'down' });
    const hash = (i) => `F${tag}${String(i).padStart(26, '0')}`.slice(0, 28);
    let n = 0;
    let timedFrom = 0;
    let t0 = process.hrtime.bigint();
    // Batch 0 is not timed: a run's first write also drops the files snapshot (once a run, not per action).
    for (let b = 0; b <= BATCHES; b++) {
      if (b === 1) {
        timedFrom = n;
        t0 = process.hrtime.bigint();
      }
      const batch = [];
      for (let j = 0; j < JOURNAL_BATCH_SIZE; j++, n++) {
        const replaced = j % 2 === 0 ? existingKey(n) : null;
        const key = replaced ?? `new-${tag}/f${String(n).padStart(7, '0')}.txt`;
        const entry = { key, path: key, remoteHash: hash(n), fsize: 1000 + n, putTime: 17e15 + n, localSize: 1000 + n, localMtimeMs: 17e11 + n, syncedAt: Date.now(), runId };
        batch.push(replaced ? { entry, ended: { origin: 'remote-overwrite', location: 'store' } } : { entry });
      }
      await journal.recordSettled(batch);
    }
    const micros = Number(process.hrtime.bigint() - t0) / 1e3 / (n - timedFrom);
    await journal.finishRun(runId, 'ok', { ...ZERO_COUNTS, downloaded: n });
    return micros;
  } finally {
    await journal.close();
  }
}

/** A journal holding `rows` files, as a sync leaves it. */
async function seedRows(journalPath, rows, keyOf) {
  const journal = await openJournal(journalPath);
  try {
    const runId = await journal.startRun({ command: 'bench-setup', direction: 'down' });
    const entries = Array.from({ length: rows }, (_, i) => {
      const key = keyOf(i);
      return { key, path: key, remoteHash: `Fseed${String(i).padStart(23, '0')}`, fsize: 3, putTime: 17e15 + i, localSize: 3, localMtimeMs: 17e11 + i, syncedAt: Date.now(), runId };
    });
    await journal.recordEntries(entries);
    await journal.finishRun(runId, 'ok', ZERO_COUNTS);
  } finally {
    await journal.close();
  }
}

/** Print bytes per row and the cost of a committed action at `rows` rows vs at SMALL rows. */
export async function reportJournalCost(journalPath, rows, keyOf) {
  const perRow = bytesPerRow(journalPath, rows);
  const fresh = mkdtempSync(path.join(os.tmpdir(), 'qjournal-bench-journal-'));
  try {
    const small = path.join(fresh, 'journal.db');
    await seedRows(small, SMALL, keyOf);
    const atSmall = await microsPerAction(small, (i) => keyOf((i * 7919) % SMALL), 'a');
    // Spread over the whole key range, as a real incremental run's changes are.
    const atRows = await microsPerAction(journalPath, (i) => keyOf((i * 7919) % rows), 'b');
    console.log(`journal: ${perRow.toFixed(0)} bytes per row at ${rows} rows (files, versions, snapshot, indexes)`);
    console.log(
      `committed action (${JOURNAL_BATCH_SIZE} a transaction, half of them replacing a known key): ${atSmall.toFixed(1)} µs at ${SMALL} rows, ` +
        `${atRows.toFixed(1)} µs at ${rows} rows = ${(atRows / atSmall).toFixed(2)}x`,
    );
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
