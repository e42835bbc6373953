import { describe, expect, it } from 'vitest';
import { hashableAtUpload } from '../../src/core/hash-at-upload.js';
import type { JournalEntry, LocalFile, RemoteObject } from '../../src/core/types.js';

const file = (path: string, size = 10): LocalFile => ({ path, size, mtimeMs: 1 });
const object = (key: string, fsize = 10): RemoteObject => ({ key, hash: 'Fabc', fsize, putTime: 1 });
const entry = (key: string, path = key, fsize = 10): JournalEntry => ({
  key,
  path,
  remoteHash: 'Fabc',
  fsize,
  putTime: 1,
  localSize: fsize,
  localMtimeMs: 1,
  syncedAt: 1,
  runId: 1,
});

describe('which files the plan may leave unhashed until their upload', () => {
  it('a new small file with nothing to compare it with waits for its upload', () => {
    expect([...hashableAtUpload([file('a.txt'), file('b/c.txt')], [], [], '', 100)]).toEqual(['a.txt', 'b/c.txt']);
  });

  it('a file larger than an upload reads whole is hashed at plan time', () => {
    expect(hashableAtUpload([file('big.bin', 101)], [], [], '', 100).size).toBe(0);
  });

  it('a file with an object at its key is hashed (same bytes, or a conflict), whatever the case or Unicode form', () => {
    expect(hashableAtUpload([file('a.txt')], [], [object('a.txt')], '', 100).size).toBe(0);
    expect(hashableAtUpload([file('A.txt')], [], [object('a.txt')], '', 100).size).toBe(0);
    expect(hashableAtUpload([file('e\u0301.txt')], [], [object('\u00e9.txt')], '', 100).size).toBe(0);
  });

  it('a file with a journal row at its key or path is hashed (changed content?)', () => {
    expect(hashableAtUpload([file('a.txt', 11)], [entry('a.txt')], [], '', 100).size).toBe(0);
    expect(hashableAtUpload([file('a.txt', 11)], [entry('other-key', 'a.txt')], [], '', 100).size).toBe(0);
  });

  it('a file of the size of a journaled file gone from its path is hashed (a rename, moved on the server)', () => {
    const journal = [entry('old/x.txt', 'old/x.txt', 10)];
    expect(hashableAtUpload([file('new/x.txt', 10), file('new/y.txt', 12)], journal, [], '', 100)).toEqual(new Set(['new/y.txt']));
    // The journaled file is still there: nothing was renamed.
    expect(hashableAtUpload([file('old/x.txt', 10), file('new/x.txt', 10)], journal, [], '', 100)).toEqual(new Set(['new/x.txt']));
  });

  it('keys are compared under the prefix', () => {
    expect(hashableAtUpload([file('a.txt')], [], [object('p/a.txt')], 'p/', 100).size).toBe(0);
    expect(hashableAtUpload([file('a.txt')], [], [object('a.txt')], 'p/', 100).size).toBe(1);
  });
});
