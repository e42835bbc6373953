import { describe, expect, it } from 'vitest';
import { isRemoteTrashKey, parseRemoteTrashKey, REMOTE_TRASH_PREFIX, remoteTrashKey } from '../../src/core/remote-trash.js';
import { trashStamp } from '../../src/local/trash.js';

describe('the bucket trash', () => {
  // The format is a contract (README, restore, people looking in their bucket): `.qjournal-trash/<stamp>/<key>`, the
  // stamp the run's UTC time as YYYYMMDD-HHMMSS. Spelled out here, not rebuilt from the code's own constants.
  it('moves a key to .qjournal-trash/<YYYYMMDD-HHMMSS UTC>/<key>', () => {
    const stamp = trashStamp(new Date('2026-12-01T20:30:05.789Z'));
    expect(stamp).toBe('20261201-203005');
    expect(REMOTE_TRASH_PREFIX).toBe('.qjournal-trash/');
    expect(remoteTrashKey(stamp, 'photos/2024/a b.jpg')).toBe('.qjournal-trash/20261201-203005/photos/2024/a b.jpg');
    expect(parseRemoteTrashKey('.qjournal-trash/20261201-203005/photos/2024/a b.jpg')).toEqual({
      stamp: '20261201-203005',
      key: 'photos/2024/a b.jpg',
    });
  });

  it.each(['a.txt', 'photos/2024/a b.jpg', '../odd', '', 'x/'])('round-trips key %j through its trash key', (key) => {
    const trashKey = remoteTrashKey('20261201-203000', key);
    expect(trashKey).toBe(`.qjournal-trash/20261201-203000/${key}`);
    expect(isRemoteTrashKey(trashKey)).toBe(true);
    expect(parseRemoteTrashKey(trashKey)).toEqual({ stamp: '20261201-203000', key });
  });

  it('knows no other key', () => {
    expect(isRemoteTrashKey('.qjournal/x')).toBe(false);
    expect(isRemoteTrashKey('.qjournal-trashed/20261201-203000/a')).toBe(false);
    expect(parseRemoteTrashKey('photos/a.jpg')).toBeNull();
    expect(parseRemoteTrashKey('.qjournal-trash/no-slash')).toBeNull();
    expect(parseRemoteTrashKey('.qjournal-trash//a')).toBeNull();
  });
});
