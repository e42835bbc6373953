import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldsCase } from '../../src/local/folds-case.js';

// Real folders on this (case-sensitive) disk. A symlink whose name differs only in case resolves to the same inode,
// which is exactly what a case-folding file system (exFAT, NTFS, APFS) answers for the swapped-case name.
let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-case-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('foldsCase', () => {
  it('is false when only the root itself answers to its name', async () => {
    await fsp.mkdir(path.join(dir, 'Backup'));
    expect(await foldsCase(path.join(dir, 'Backup'))).toBe(false);
  });

  it('is false when the swapped-case name is another folder', async () => {
    await fsp.mkdir(path.join(dir, 'Backup'));
    await fsp.mkdir(path.join(dir, 'bACKUP'));
    expect(await foldsCase(path.join(dir, 'Backup'))).toBe(false);
  });

  it('is true when the swapped-case name is the same folder', async () => {
    await fsp.mkdir(path.join(dir, 'Backup'));
    await fsp.symlink(path.join(dir, 'Backup'), path.join(dir, 'bACKUP'));
    expect(await foldsCase(path.join(dir, 'Backup'))).toBe(true);
  });

  it('asks the .qjournal folder when the root name has no letters', async () => {
    const root = path.join(dir, '2024');
    await fsp.mkdir(path.join(root, '.qjournal'), { recursive: true });
    expect(await foldsCase(root)).toBe(false);
    await fsp.symlink(path.join(root, '.qjournal'), path.join(root, '.QJOURNAL'));
    expect(await foldsCase(root)).toBe(true);
  });

  it('asks .qjournal before the root name, and resolves a symlinked root to the disk it points at', async () => {
    // The root folds (its .qjournal answers to .QJOURNAL) even though the root's own name, on the parent, does not.
    const disk = path.join(dir, 'disk');
    await fsp.mkdir(path.join(disk, '.qjournal'), { recursive: true });
    await fsp.symlink(path.join(disk, '.qjournal'), path.join(disk, '.QJOURNAL'));
    await fsp.symlink(disk, path.join(dir, 'backup-link'));
    expect(await foldsCase(path.join(dir, 'backup-link'))).toBe(true);
    expect(await foldsCase(disk)).toBe(true);
  });

  it('falls back to the platform default when nothing can be asked, and writes nothing', async () => {
    const root = path.join(dir, '2024');
    expect(await foldsCase(root)).toBe(process.platform === 'darwin' || process.platform === 'win32');
    expect(await fsp.readdir(dir)).toEqual([]);
  });
});
