import type { RemoteObject } from '../core/types.js';
import { RemoteError } from '../errors.js';
import type { StoredObject } from './remote-store.js';

/**
 * An accepted upload becomes an observed object through a stat taken after it (the upload answer has no putTime,
 * which the journal records): the stat must show the key with the hash the upload was answered with. (An answer
 * without a hash, a 579 whose callback failed, leaves the stat as the truth.)
 */
export function confirmStored(stored: StoredObject, stat: RemoteObject | null): RemoteObject {
  const operation = `upload ${stored.key}`;
  if (!stat) throw new RemoteError('protocol', operation, 'uploaded object is not visible');
  if (stored.answeredHash !== undefined && stat.hash !== stored.answeredHash) {
    throw new RemoteError('protocol', operation, `server answered hash ${stored.answeredHash} but stat shows ${stat.hash}`);
  }
  return stat;
}
