/**
 * The bucket's trash: `deletes = mirror` never deletes an object, it moves it (server-side, no transfer) to
 * `.qjournal-trash/<stamp>/<key>`, where `restore <key>` finds it. Keys below this prefix are never synced.
 */
export const REMOTE_TRASH_PREFIX = '.qjournal-trash/';

/** `<prefix><stamp>/<key>`; the stamp (`YYYYMMDD-HHMMSS`, UTC) is the run's, shared with the local trash. */
export function remoteTrashKey(stamp: string, key: string): string {
  return `${REMOTE_TRASH_PREFIX}${stamp}/${key}`;
}

export function isRemoteTrashKey(key: string): boolean {
  return key.startsWith(REMOTE_TRASH_PREFIX);
}

/** The original key of a trash key, with its stamp; null for any other key. */
export function parseRemoteTrashKey(trashKey: string): { stamp: string; key: string } | null {
  if (!isRemoteTrashKey(trashKey)) return null;
  const rest = trashKey.slice(REMOTE_TRASH_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  return { stamp: rest.slice(0, slash), key: rest.slice(slash + 1) };
}
