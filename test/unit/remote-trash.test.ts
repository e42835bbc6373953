import { describe, expect, it } from 'vitest';
import { isRemoteTrashKey, parseRemoteTrashKey, remoteTrashKey } from '../../src/core/remote-trash.js';

describe('the bucket trash', () => {
  it.each(['a.txt', 'photos/2024/a b.jpg', '../odd', '', 'x/'])('round-trips key %j through its trash key', (key) => {
    const trashKey = remoteTrashKey('20261201-203000', key);
    expect(isRemoteTrashKey(trashKey)).toBe(true);
    expect(parseRemoteTrashKey(trashKey)).toEqual({ stamp: '20261201-203000', key });
  });

  it('knows no other key', () => {
    expect(isRemoteTrashKey('.qjournal/x')).toBe(false);
    expect(parseRemoteTrashKey('photos/a.jpg')).toBeNull();
    expect(parseRemoteTrashKey('.qjournal-trash/no-slash')).toBeNull();
  });
});
