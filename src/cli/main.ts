import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandFlags } from './global-options.js';
import { HELP_FOOTER } from './help-text.js';
import { runCommand } from './run-command.js';

const CONFIG_HELP = 'config file (default: $QJOURNAL_CONFIG, else ./config.ini)';

// Each command's module is loaded when it runs: `sync` never loads the emulator, `--help` loads neither the SDK nor
// SQLite (module loading is most of a no-op sync's start-up).

export function buildProgram(): Command {
  const program = new Command('qjournal')
    .description('Incremental, journaled backup and two-way sync between a Qiniu Kodo bucket and a local folder')
    .version('0.1.0')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'machine-readable output on stdout (errors too, as {"error": …})')
    .option('-v, --verbose', 'log debug lines too')
    .option('-q, --quiet', 'log errors only, no progress bars')
    .option('--log-level <level>', 'debug | info | warn | error (overrides [log] level)')
    .addHelpText('after', HELP_FOOTER)
    .exitOverride()
    .showHelpAfterError('(qjournal --help lists the commands and options)')
    // `--version` after a command is that command's (`restore <key> --version <hash>`), not the program's; the global
    // options are given to every command as well (withGlobalOptions), so they still work after it.
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
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/sync.js')).syncCommand(flags)));

  program
    .command('status')
    .description('show what drifted since the last sync (read-only)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'machine-readable output')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/status.js')).statusCommand(flags)));

  program
    .command('restore [key-or-path]')
    .description('put a file back where it is missing; or a version of it (--at, --version); or the whole tree as it was (--at T --to DIR)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--to <path>', 'write the object (or, without a key, the tree) to this path instead')
    .option('--at <time>', 'the version current at this time: 2026-03-01, 2026-03-01T12:00, #12 (a run), 3d, 2w')
    .option('--version <hash>', 'the version with this hash (see `qjournal versions <key>`)')
    .option('--prefix <prefix>', 'with --at and no key: only keys under this prefix')
    .addHelpText('after', '\nThe file is named by its key (photos/a.jpg, ../x) or by its path under [local] root (as status shows it).')
    .action((key, _flags, cmd) => run(cmd, async (flags) => (await import('./commands/restore.js')).restoreCommand(key, flags)));

  program
    .command('versions <key>')
    .description('every known version of a key, newest first: time range, size, hash, origin, where its bytes are')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'machine-readable output')
    .action((key, _flags, cmd) => run(cmd, async (flags) => (await import('./commands/versions.js')).versionsCommand(key, flags)));

  program
    .command('prune')
    .description('apply the [versions] retention policy to the local version store and the bucket\'s trash')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --dry-run', 'say what would be freed, change nothing')
    .option('--json', 'machine-readable output')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/prune.js')).pruneCommand(flags)));

  program
    .command('emulator')
    .description('run a local Kodo emulator (try qjournal without a Qiniu account)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '9000')
    .option('--data <dir>', 'keep the bucket in this folder so it survives a restart')
    .option('--seed <dir>', "upload this folder's files as objects at start (key = path relative to it)")
    .option('--bucket <name>', 'bucket name', 'demo')
    .option('--private', 'require signed download URLs')
    .option('--region <id>', "the bucket's region id, as the region query names it (default z0)")
    .option('--access-key <ak>', 'access key the emulator accepts')
    .option('--secret-key <sk>', 'secret key the emulator accepts')
    .addHelpText('after', () => EMULATOR_HELP)
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/emulator.js')).emulatorCommand(flags)));

  program
    .command('init')
    .description('write a commented config.ini')
    .option('-c, --config <file>', 'where to write it (default: config.ini)')
    .option('--bucket <name>', 'bucket name')
    .option('--domain <url>', 'download domain')
    .option('--root <dir>', 'local backup folder')
    .option('--endpoint <url>', 'one API host for everything (a private deployment, or qjournal emulator: http://127.0.0.1:9000)')
    .option('--force', 'overwrite an existing file')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/init.js')).initCommand(flags)));

  const keys = program.command('keys').description('manage the encrypted credentials file');
  keys
    .command('set')
    .description('store access and secret key encrypted (for this config\'s [credentials] profile, if it names one)')
    .option('-c, --config <file>', `${CONFIG_HELP}; only its [credentials] profile is used`)
    .option('--profile <name>', 'store them under this profile name instead of the config\'s')
    .option('--stdin', 'read access key, secret key and passphrase from standard input, one a line (for scripts)')
    .addHelpText('after', '\nQINIU_ACCESS_KEY, QINIU_SECRET_KEY and QJOURNAL_PASSPHRASE, when set, are used instead of asking.')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/keys.js')).keysSetCommand(flags)));
  keys
    .command('clear')
    .description('delete the stored credentials')
    .option('-c, --config <file>', `${CONFIG_HELP}; only its [credentials] profile is used`)
    .option('--profile <name>', 'the profile to delete')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/keys.js')).keysClearCommand(flags)));

  program
    .command('log')
    .description('show the run history from the journal')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'machine-readable output')
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/log.js')).logCommand(flags)));

  program
    .command('recover-journal')
    .description("replace a damaged journal with its last good copy (kept after every finished run)")
    .option('-c, --config <file>', CONFIG_HELP)
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/recover-journal.js')).recoverJournalCommand(flags)));

  program
    .command('schedule')
    .description('print (or --install) an unattended sync as a crontab line or a systemd user timer')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--when <when>', 'daily [HH:MM] | weekly [DAY HH:MM] | monthly [DAY-OF-MONTH HH:MM] | "Sun 03:00" | a crontab expression', 'weekly')
    .option('--systemd', 'a systemd user service + timer instead of a crontab line')
    .option('--install', 'install it (crontab, or ~/.config/systemd/user + systemctl --user enable)')
    .option('--list', 'list the installed qjournal schedules')
    .option('--remove', "remove this config's schedule")
    .addHelpText('after', () => SCHEDULE_HELP)
    .action((_flags, cmd) => run(cmd, async (flags) => (await import('./commands/schedule.js')).scheduleCommand(flags)));

  program
    .command('ui')
    .description('open the dashboard: a web page on this computer to see, run and restore backups')
    .option('-c, --config <file...>', 'config file(s), side by side (default: $QJOURNAL_CONFIG, else ./config.ini)')
    .option('--port <port>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--no-open', "print the link but don't open a browser")
    // A global `-c F` before `ui` is one file; `ui -c A -c B` gives several.
    .action((_flags, cmd) =>
      run(cmd, async (flags) => (await import('./commands/ui.js')).uiCommand({ ...flags, config: ([] as string[]).concat(flags.config ?? []) })),
    );

  withGlobalOptions(program);
  return program;
}

/**
 * The program's options given to every command too: with positional options (see above) the program reads its own
 * only before the command name, the command reads them after it, and `optsWithGlobals` merges both.
 */
function withGlobalOptions(program: Command): void {
  const visit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      if (sub.commands.length > 0) {
        visit(sub);
        continue;
      }
      for (const option of program.options) {
        if (option.long === '--version' || sub.options.some((o) => o.long === option.long || (option.short && o.short === option.short))) continue;
        sub.option(option.flags, option.description);
      }
    }
  };
  visit(program);
}

/** A command's action: its flags merged with the global ones; errors become exit codes (and JSON with --json). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's options are untyped; each command declares what it reads
function run(cmd: Command, fn: (flags: any) => Promise<ExitCode | void>): Promise<void> {
  const json = Boolean(cmd.optsWithGlobals().json);
  return runCommand(async () => fn(commandFlags(cmd)), { json });
}

const EMULATOR_HELP = `
Control routes (plain HTTP on the same port, no auth: it listens on 127.0.0.1):
  GET    /_emulator/objects         every object: key, hash, fsize, mimeType, putTime (JSON)
  GET    /_emulator/object?key=K    the object's bytes
  POST   /_emulator/seed            add or replace objects: {"key": "text", "other": {"base64": "…"}}
  POST   /_emulator/delete          {"key": K}
  POST   /_emulator/rename          {"from": K, "to": K2}
  POST   /_emulator/corrupt         {"key": K}   (its bytes no longer match its hash)
  POST   /_emulator/reset           empty the bucket
  GET|POST|DELETE /_emulator/faults    list, inject ({"route": "download", "status": 503, "times": 2}), clear
  GET|DELETE      /_emulator/counters  requests and bytes per route; reset them
Example:
  qjournal emulator --port 9000 --seed ./photos
  curl -d '{"notes/todo.txt": "buy milk"}' http://127.0.0.1:9000/_emulator/seed
`;

const SCHEDULE_HELP = `
Each config gets its own crontab line or timer, named after its absolute path, so two configs never replace each other.
The job finds its credentials without a terminal: the encrypted store (QJOURNAL_CREDENTIALS) plus a passphrase file
readable only by you (QJOURNAL_PASSPHRASE_FILE), which --install writes from QJOURNAL_PASSPHRASE or a prompt.
Examples:
  qjournal schedule --when "daily 02:30" --install
  qjournal schedule --when "0 */6 * * *" --systemd --install
  qjournal schedule --list
  qjournal schedule --remove
`;

export async function main(argv: string[]): Promise<void> {
  // `qjournal --help | head`: the reader went away, which is no error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  // The completion command comes from @bomb.sh/tab, loaded only when asked for (it is not needed on any other start).
  if (argv.slice(2).includes('complete')) {
    const { default: tab } = await import('@bomb.sh/tab/commander');
    tab(program);
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem (commander printed it already) is a usage error.
      const help = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = help && err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (process.exitCode === EXIT.usage && argv.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ error: { exitCode: EXIT.usage, kind: 'usage', message: err.message.replace(/^error: /, '') } })}\n`);
      }
      return;
    }
    await runCommand(
      async () => {
        throw err instanceof Error ? err : new UsageError(String(err));
      },
      { json: argv.includes('--json') },
    );
  }
}
