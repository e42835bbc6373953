import { mkdir } from 'node:fs/promises';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { recoverFromLastGood } from '../../journal/last-good.js';
import { acquireLock, releaseLockOnExit } from '../../journal/lock.js';
import { rootPaths } from '../../local/root-paths.js';
import { trashStamp } from '../../local/trash.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * Put the journal's last good copy in place of a damaged journal (needs no credentials). Under the run lock, so no
 * sync is using the journal meanwhile; the damaged file is kept beside it, never deleted.
 */
export async function recoverJournalCommand(flags: { config?: string }): Promise<ExitCode> {
  const { config } = await loadConfig(resolveConfigPath(flags.config, process.env));
  const paths = rootPaths(config.local.root);
  await mkdir(paths.stateDir, { recursive: true });
  const lock = await acquireLock(paths.lockFile);
  const unhook = releaseLockOnExit(lock);
  try {
    const { movedTo, copiedFrom } = await recoverFromLastGood(config.journal.path, trashStamp(new Date()));
    process.stdout.write(
      `Restored ${config.journal.path} from ${copiedFrom}${movedTo ? `; the damaged journal is kept as ${movedTo}` : ''}.\n` +
        'The next sync checks every file against it (files changed since that run are hashed again).\n',
    );
    return EXIT.ok;
  } finally {
    unhook();
    await lock.release();
  }
}
