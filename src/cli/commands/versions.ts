import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { openJournal } from '../../journal/open-journal.js';
import { rootPaths } from '../../local/root-paths.js';
import { VersionStore } from '../../local/version-store.js';
import { listKeyVersions } from '../../sync/versions.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { humanBytes } from '../progress.js';

/** `qjournal versions <key>`: read-only, from the journal and the local store; needs no credentials. */
export async function versionsCommand(key: string, flags: { config?: string; json?: boolean }): Promise<ExitCode> {
  const { config } = await loadConfig(resolveConfigPath(flags.config, process.env));
  const journal = await openJournal(config.journal.path, { readonly: true });
  try {
    const versions = await listKeyVersions({ journal, store: new VersionStore(rootPaths(config.local.root).storeDir) }, key);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ key, versions })}\n`);
      return EXIT.ok;
    }
    if (versions.length === 0) {
      process.stdout.write(`No versions of ${key} are known.\n`);
      return EXIT.notFound;
    }
    for (const v of versions) {
      const range = `${v.since.slice(0, 19).replace('T', ' ')} .. ${v.until ? v.until.slice(0, 19).replace('T', ' ') : 'now'}`;
      process.stdout.write(`${v.hash}  ${humanBytes(v.fsize).padStart(9)}  ${range}  ${v.origin ?? 'current'}  ${v.where}${v.trashKey ? ` (${v.trashKey})` : ''}\n`);
    }
    return EXIT.ok;
  } finally {
    await journal.close();
  }
}
