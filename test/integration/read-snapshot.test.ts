import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qetag } from '../../src/core/qetag.js';
import { LocalChangedError } from '../../src/errors.js';
import { readSnapshot } from '../../src/local/read-snapshot.js';

describe('readSnapshot: the one version of a small file an upload sends', () => {
  const file = (content: string) => {
    const abs = path.join(mkdtempSync(path.join(os.tmpdir(), 'qjournal-snapshot-')), 'f.txt');
    writeFileSync(abs, content);
    return abs;
  };

  it('reads the file whole with its qetag when it is what the run planned (size and mtime, or hash)', () => {
    const abs = file('hello');
    const st = statSync(abs);
    expect(readSnapshot(abs, 'f.txt', { expectStat: { size: st.size, mtimeMs: st.mtimeMs } })).toEqual({ bytes: Buffer.from('hello'), hash: qetag(Buffer.from('hello')) });
    expect(readSnapshot(abs, 'f.txt', { expectHash: qetag(Buffer.from('hello')) })?.bytes.toString()).toBe('hello');
  });

  it('refuses a file unhashed at plan time whose size or mtime is no longer the planned one', () => {
    const abs = file('hello');
    const st = statSync(abs);
    utimesSync(abs, st.atime, new Date(st.mtimeMs + 2000));
    expect(() => readSnapshot(abs, 'f.txt', { expectStat: { size: st.size, mtimeMs: st.mtimeMs } })).toThrow(LocalChangedError);
    writeFileSync(abs, 'hello, longer');
    const now = statSync(abs);
    expect(() => readSnapshot(abs, 'f.txt', { expectStat: { size: st.size, mtimeMs: now.mtimeMs } })).toThrow(LocalChangedError);
  });

  it('refuses bytes that are not the planned hash', () => {
    expect(() => readSnapshot(file('hello'), 'f.txt', { expectHash: qetag(Buffer.from('other')) })).toThrow(LocalChangedError);
  });

  it('leaves a file over maxBytes unread', () => {
    expect(readSnapshot(file('hello'), 'f.txt', { maxBytes: 4 })).toBeNull();
  });
});
