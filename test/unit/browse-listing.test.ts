import { describe, expect, it } from 'vitest';
import type { JournalEntry, Plan } from '../../src/core/types.js';
import { backedUpFiles, filesUnder, listFolder } from '../../src/ui/browse-listing.js';

const entry = (key: string, fsize: number): JournalEntry => ({ key, path: key, remoteHash: 'h', fsize, putTime: 1, localSize: fsize, localMtimeMs: 1, syncedAt: 1, runId: 1 });

describe('the Browse listing (journal rows + the status plan)', () => {
  const entries = [entry('a.txt', 1), entry('photos/x.jpg', 10), entry('photos/2024/y.jpg', 20)];
  const plan: Plan = {
    items: [
      { key: 'photos/x.jpg', path: 'photos/x.jpg', state: 'local-deleted', action: null },
      { key: 'bad/../k', path: null, state: 'unmappable', action: null, note: 'why' },
    ],
  };
  const files = backedUpFiles(entries, plan);

  it('takes each state from the plan, in-sync for the rest, and groups folders', () => {
    expect(listFolder(files, plan, '')).toEqual({
      folder: '',
      folders: [{ name: 'photos', path: 'photos', files: 2, size: 30, drift: { 'local-deleted': 1 } }],
      files: [{ key: 'a.txt', path: 'a.txt', size: 1, state: 'in-sync', name: 'a.txt' }],
      unmappable: [{ key: 'bad/../k', note: 'why' }],
    });
    const photos = listFolder(files, plan, 'photos');
    expect(photos.folders.map((f) => f.name)).toEqual(['2024']);
    expect(photos.files).toEqual([{ key: 'photos/x.jpg', path: 'photos/x.jpg', size: 10, state: 'local-deleted', name: 'x.jpg' }]);
  });

  it('selects a folder by whole path segments', () => {
    expect(filesUnder(files, 'photos').map((f) => f.path).sort()).toEqual(['photos/2024/y.jpg', 'photos/x.jpg']);
    expect(filesUnder(files, 'photo')).toEqual([]);
  });
});
