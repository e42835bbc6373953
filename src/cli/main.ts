import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { runCommand } from './run-command.js';

const CONFIG_HELP = 'config file (default: $QJOURNAL_CONFIG, else ./config.ini)';

// Each command's module is loaded when it runs: `sync` never loads the emulator, `--help` loads neither the SDK nor
// SQLite (module loading is most of a no-op sync's start-up).

export function buildProgram(): Command {
  const program = new Command('qjournal')
    .description('Incremental, journaled backup and two-way sync between a Qiniu Kodo bucket and a local folder')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError()
    // `--version` after a command is that command's (`restore <key> --version <hash>`), not the program's.
    .enablePositionalOptions();

  program
    .command('sync')
    .description('transfer what changed (download, and upload with direction up/both)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --dry-run', 'print the plan and change nothing')
    .option('--direction <dir>', 'down | up | both (overrides [sync] direction)')
    .option('--json', 'print the result as JSON on stdout')
    .option('--max-change <share>', 'this run only: the share of backed-up files it may overwrite or delete (e.g. 100%)')
    .option('--max-delete <share>', 'this run only: the share of backed-up files it may delete (e.g. 100%)')
    .action((flags) => runCommand(async () => (await import('./commands/sync.js')).syncCommand(flags)));

  program
    .command('status')
    .description('show what drifted since the last sync (read-only)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'machine-readable output')
    .action((flags) => runCommand(async () => (await import('./commands/status.js')).statusCommand(flags)));

  program
    .command('restore [key]')
    .description('put a file back where it is missing; or a version of it (--at, --version); or the whole tree as it was (--at T --to DIR)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--to <path>', 'write the object (or, without a key, the tree) to this path instead')
    .option('--at <time>', 'the version current at this time: 2026-03-01, 2026-03-01T12:00, #12 (a run), 3d, 2w')
    .option('--version <hash>', 'the version with this hash (see `qjournal versions <key>`)')
    .option('--prefix <prefix>', 'with --at and no key: only keys under this prefix')
    .action((key, flags) => runCommand(async () => (await import('./commands/restore.js')).restoreCommand(key, flags)));

  program
    .command('versions <key>')
    .description('every known version of a key, newest first: time range, size, hash, origin, where its bytes are')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'machine-readable output')
    .action((key, flags) => runCommand(async () => (await import('./commands/versions.js')).versionsCommand(key, flags)));

  program
    .command('prune')
    .description('apply the [versions] retention policy to the local version store and the bucket\'s trash')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --dry-run', 'say what would be freed, change nothing')
    .option('--json', 'machine-readable output')
    .action((flags) => runCommand(async () => (await import('./commands/prune.js')).pruneCommand(flags)));

  program
    .command('emulator')
    .description('run a local Kodo emulator (try qjournal without a Qiniu account)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '9000')
    .option('--data <dir>', 'keep the bucket in this folder so it survives a restart')
    .option('--bucket <name>', 'bucket name', 'demo')
    .option('--private', 'require signed download URLs')
    .option('--access-key <ak>', 'access key the emulator accepts')
    .option('--secret-key <sk>', 'secret key the emulator accepts')
    .action((flags) => runCommand(async () => (await import('./commands/emulator.js')).emulatorCommand(flags)));

  program
    .command('init')
    .description('write a commented config.ini')
    .option('-c, --config <file>', 'where to write it', 'config.ini')
    .option('--bucket <name>', 'bucket name')
    .option('--domain <url>', 'download domain')
    .option('--root <dir>', 'local backup folder')
    .option('--force', 'overwrite an existing file')
    .action((flags) => runCommand(async () => (await import('./commands/init.js')).initCommand(flags)));

  const keys = program.command('keys').description('manage the encrypted credentials file');
  keys
    .command('set')
    .description('store access and secret key encrypted (passphrase from $QJOURNAL_PASSPHRASE or a prompt)')
    .action(() => runCommand(async () => (await import('./commands/keys.js')).keysSetCommand()));
  keys
    .command('clear')
    .description('delete the stored credentials')
    .action(() => runCommand(async () => (await import('./commands/keys.js')).keysClearCommand()));

  program
    .command('log')
    .description('show the run history from the journal')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --limit <n>', 'how many runs', '20')
    .option('--json', 'machine-readable output')
    .action((flags) => runCommand(async () => (await import('./commands/log.js')).logCommand(flags)));

  program
    .command('recover-journal')
    .description("replace a damaged journal with its last good copy (kept after every finished run)")
    .option('-c, --config <file>', CONFIG_HELP)
    .action((flags) => runCommand(async () => (await import('./commands/recover-journal.js')).recoverJournalCommand(flags)));

  program
    .command('schedule')
    .description('print (or --install) a weekly unattended sync as a crontab line or a systemd user timer')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--when <time>', 'weekday and time, e.g. "Sun 03:00"', 'Sun 03:00')
    .option('--systemd', 'a systemd user service + timer instead of a crontab line')
    .option('--install', 'install it (crontab, or ~/.config/systemd/user + systemctl --user enable)')
    .action((flags) => runCommand(async () => (await import('./commands/schedule.js')).scheduleCommand(flags)));

  program
    .command('ui')
    .description('open the dashboard: a web page on this computer to see, run and restore backups')
    .option('-c, --config <file...>', 'config file(s), side by side (default: $QJOURNAL_CONFIG, else ./config.ini)')
    .option('--port <port>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--no-open', "print the link but don't open a browser")
    .action((flags) => runCommand(async () => (await import('./commands/ui.js')).uiCommand(flags)));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is a usage error.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    await runCommand(async () => {
      throw err instanceof Error ? err : new UsageError(String(err));
    });
  }
}
