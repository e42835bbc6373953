import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blindSpotsOf, isFailure, type LocalProblem } from '../../src/core/local-problems.js';
import { escapeInvalidUtf8 } from '../../src/local/describe-entry.js';
import { hashAmbiguous } from '../../src/sync/gather.js';

describe('local problems', () => {
  it('keys below a folder that could not be read are blind, as the walk reports them', () => {
    const problems: LocalProblem[] = [];
    const isBlind = blindSpotsOf(problems);
    expect(isBlind('a/b/c.txt')).toBe(false);
    problems.push({ path: 'a/b', kind: 'unreadable-folder', detail: 'x', keyPrefix: 'a/b/' });
    problems.push({ path: 'loop', kind: 'symlink', detail: 'x' });
    expect(isBlind('a/b/c.txt')).toBe(true);
    expect(isBlind('a/bc.txt')).toBe(false);
    expect(isBlind('loop')).toBe(false);
  });

  it('symlinks and special files are notices; the rest make the run partial', () => {
    expect(['unreadable-folder', 'unreadable-file', 'vanished', 'bad-name'].every((k) => isFailure(k as LocalProblem['kind']))).toBe(true);
    expect(isFailure('symlink') || isFailure('special')).toBe(false);
  });

  it('shows the bytes of a name that are not UTF-8 as \\xNN, the rest as they are', () => {
    expect(escapeInvalidUtf8(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xc3]))).toBe('a\\xffé\\xc3');
  });

  it('a file that vanished before it was hashed is reported, not thrown', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'qjournal-problems-'));
    const problems: LocalProblem[] = [];
    const local = [{ path: 'gone.txt', size: 3, mtimeMs: 1 }];
    await hashAmbiguous(root, local, [], undefined, problems);
    expect(problems).toEqual([{ path: 'gone.txt', kind: 'vanished', detail: 'the file disappeared during the run' }]);
    expect(local[0]).not.toHaveProperty('hash');
  });
});
