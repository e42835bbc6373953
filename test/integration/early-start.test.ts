import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { acquireLock } from '../../src/journal/lock.js';
import { rootPaths } from '../../src/local/root-paths.js';
import type { Logger } from '../../src/log/logger.js';
import { startEarly } from '../../src/sync/early-start.js';
import { runSync } from '../../src/sync/run-sync.js';
import { useEmulatorStore } from '../helpers/store.js';
import { makeWorkspace, requestsOf } from '../helpers/workspace.js';

// A sync's walk starts before its lock is taken (src/sync/early-start.ts). It must be used only when no other run held
// the lock in between: such a run may have changed the very files the walk saw.

const { emu, store } = useEmulatorStore();

function recordingLogger(lines: string[]): Logger {
  const log = (m: string) => void lines.push(m);
  return { debug: log, info: log, warn: log, error: log, close: async () => {} };
}

async function backedUp() {
  emu.reset();
  emu.seed({ 'a/1': 'one', 'a/2': 'two' });
  const ws = await makeWorkspace(emu);
  const { config } = await loadConfig(ws.configPath, ws.env);
  expect((await runSync({ config, remote: store, logger: recordingLogger([]), dryRun: false })).counts.downloaded).toBe(2);
  return config;
}

describe('a walk started before the lock', () => {
  it('is walked again when another run took the lock meanwhile (that run changed a file the walk saw)', async () => {
    const config = await backedUp();
    const early = await startEarly(config);
    expect(early).not.toBeNull();
    // Another run: takes the lock, loses a file, lets go.
    const other = await acquireLock(rootPaths(config.local.root).lockFile);
    await fsp.rm(path.join(config.local.root, 'a/1'));
    await other.release();

    const lines: string[] = [];
    const run = await runSync({ config, remote: store, logger: recordingLogger(lines), dryRun: false, early });
    await early!.close();
    expect(lines).toContain('Another run took the lock while the local walk and the listing were under way: walking and listing again');
    expect(run.counts.downloaded).toBe(1);
    expect(await fsp.readFile(path.join(config.local.root, 'a/1'), 'utf8')).toBe('one');
  });

  it('is what the run uses when no run took the lock: it saw the folder as of its start', async () => {
    const config = await backedUp();
    const early = await startEarly(config);
    // Not a run (no lock): like any change during a walk, the walk may miss it, and the next sync catches it.
    await fsp.rm(path.join(config.local.root, 'a/1'));
    const lines: string[] = [];
    const run = await runSync({ config, remote: store, logger: recordingLogger(lines), dryRun: false, early });
    await early!.close();
    expect(lines.filter((l) => l.includes('walking again'))).toEqual([]);
    expect(run.counts.downloaded).toBe(0);
    const next = await runSync({ config, remote: store, logger: recordingLogger([]), dryRun: false });
    expect(next.counts.downloaded).toBe(1);
    expect(existsSync(path.join(config.local.root, 'a/1'))).toBe(true);
  });

  it('comes with a listing whose first page is the access check', async () => {
    const config = await backedUp();
    const listRequests = async (early: Awaited<ReturnType<typeof startEarly>> | undefined) => {
      const before = requestsOf(emu, 'list');
      const run = await runSync({ config, remote: store, logger: recordingLogger([]), dryRun: false, early });
      await early?.close();
      expect(run.counts.downloaded).toBe(0);
      return requestsOf(emu, 'list') - before;
    };
    expect(await listRequests(undefined)).toBe(2);
    expect(await listRequests(await startEarly(config))).toBe(1);
  });

  it('is not started while a run holds the lock', async () => {
    const config = await backedUp();
    const holder = await acquireLock(rootPaths(config.local.root).lockFile);
    try {
      expect(await startEarly(config)).toBeNull();
    } finally {
      await holder.release();
    }
    const early = await startEarly(config);
    expect(early).not.toBeNull();
    await early!.close();
  });
});
