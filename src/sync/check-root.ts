import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';

/**
 * `[local] root` checked before a command touches it, so that its problems are config errors (exit 3) that name the
 * key, not a raw ENOTDIR or EACCES from deep inside a run:
 * - a file, or below a file: refused;
 * - not writable (`writable`) or not readable: refused;
 * - missing while the journal (kept outside the root) remembers files from it: refused, as an unmounted disk looks
 *   exactly like this and syncing into an empty folder would start over. A missing root is otherwise fine (the run
 *   creates it).
 */
export async function checkLocalRoot(config: Config, opts: { writable: boolean }): Promise<void> {
  const root = config.local.root;
  const fail = (message: string): never => {
    throw new ConfigError([{ file: config.file, section: 'local', key: 'root', message }]);
  };
  let stat;
  try {
    stat = await fsp.stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const remembered = await journalRemembersFiles(config);
      if (remembered) {
        fail(
          `${root} does not exist, but the journal ${config.journal.path} remembers files in it: is the disk mounted? ` +
            '(to start over in an empty folder, create it yourself)',
        );
      }
      return;
    }
    if (code === 'ENOTDIR') return fail(`${root} lies below a file, not a folder`);
    if (code === 'EACCES' || code === 'EPERM') return fail(`${root} cannot be reached: permission denied`);
    return fail(`${root} cannot be read (${code ?? (err as Error).message})`);
  }
  if (!stat.isDirectory()) fail(`${root} is a file, not a folder`);
  const mode = opts.writable ? constants.R_OK | constants.W_OK | constants.X_OK : constants.R_OK | constants.X_OK;
  try {
    await fsp.access(root, mode);
  } catch {
    fail(`${root} is not ${opts.writable ? 'writable' : 'readable'}: permission denied`);
  }
}

/** True when the journal lies outside the root (it would be missing with it otherwise) and has at least one file. */
async function journalRemembersFiles(config: Config): Promise<boolean> {
  const rel = path.relative(config.local.root, config.journal.path);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  if (inside) return false;
  const size = await fsp.stat(config.journal.path).then((s) => s.size, () => 0);
  if (size === 0) return false;
  const { openJournal } = await import('../journal/open-journal.js');
  const journal = await openJournal(config.journal.path, { readonly: true });
  try {
    for await (const page of journal.entryPages()) return page.length > 0;
    return false;
  } finally {
    await journal.close();
  }
}
