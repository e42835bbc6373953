/**
 * The layering of src/, checked by test/unit/layering.test.ts (so by `npm test` and `npx vitest run`).
 * Run by hand: npx depcruise src
 *
 *   cli, ui          adapters: parse input, render output; nothing else imports them (bin.ts imports cli)
 *   sync             orchestration: one run = gather, plan, guard, execute, journal
 *   remote, local, journal   one kind of I/O each; they never import sync, cli or ui; local does no network I/O
 *   config, log, threads, errors   shared low-level pieces
 *   core             pure decisions: no file, network, database or terminal (node:crypto only, for hashing)
 *   emulator         a fake Kodo for tests, bench and the demo; only the CLI's `emulator` command imports it
 *     emulator/state   the bucket and what it holds; never imports emulator/http or node:http/https/net
 *     emulator/http    server, router, parsing, auth, one handler file per API in http/routes/
 */
const below = (...folders) => `^src/(${folders.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment: 'core is pure decision code: it may import only other core files.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^(src|migrations)/', pathNot: '^src/core/' },
    },
    {
      name: 'core-no-io-packages',
      comment: 'core does no I/O: no npm packages, no Node built-ins except node:crypto (hashing is computation).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: '^(node:)?crypto$',
      },
    },
    {
      name: 'io-layers-never-import-orchestration',
      comment: 'remote, local, journal (and the shared config, log, threads) never import sync, cli or ui.',
      severity: 'error',
      from: { path: below('remote', 'local', 'journal', 'config', 'log', 'threads', 'core', 'emulator') },
      to: { path: below('sync', 'cli', 'ui') },
    },
    {
      name: 'local-is-not-network',
      comment: 'local is the folder on disk; a download over the network belongs to remote (or sync, which joins both).',
      severity: 'error',
      from: { path: below('local') },
      to: { path: [below('remote', 'journal'), '^(node:)?(http|https|net)$', '^qiniu$'] },
    },
    {
      name: 'remote-is-only-network',
      comment: 'remote talks to Kodo; it does not read the journal or the config file (an upload may read its file: local).',
      severity: 'error',
      from: { path: below('remote') },
      to: { path: below('journal', 'config') },
    },
    {
      name: 'journal-is-only-the-database',
      comment: 'the journal records; it does not list the bucket, walk the folder or read the config.',
      severity: 'error',
      from: { path: below('journal') },
      to: { path: below('remote', 'local', 'config') },
    },
    {
      name: 'log-and-config-are-low-level',
      comment: 'log and config are imported by everything; they import only core, errors and each other (config -> log).',
      severity: 'error',
      from: { path: below('log', 'config', 'threads') },
      to: { path: below('remote', 'local', 'journal', 'emulator') },
    },
    {
      name: 'log-does-not-import-config',
      comment: 'the log levels are the logger\'s own; config imports them, not the other way round.',
      severity: 'error',
      from: { path: below('log') },
      to: { path: below('config') },
    },
    {
      name: 'only-bin-imports-cli',
      comment: 'cli is an adapter (arguments, terminal, exit codes); engine code and the dashboard never reach into it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/bin\\.ts$'] },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-cli-imports-ui',
      comment: 'ui (the dashboard) is an adapter like cli; only the CLI\'s dashboard command starts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/ui/', '^src/cli/'] },
      to: { path: '^src/ui/' },
    },
    {
      name: 'emulator-only-for-its-command',
      comment: 'the emulator is a test fake: in src only the CLI\'s `emulator` command imports it (tests, bench and the demo may).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/emulator/', '^src/cli/commands/emulator\\.ts$'] },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'the emulator shares only pure helpers (core) with the product, so it cannot agree with a bug by sharing code.',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: ['^src/emulator/', '^src/core/'] },
    },
    {
      name: 'emulator-state-is-not-http',
      comment:
        'the emulator\'s state (src/emulator/state: the bucket and what it holds) knows nothing of requests: it never imports ' +
        'its http side, its entry (index.ts) or node:http/https/net. http/ parses and answers, and calls state to change it.',
      severity: 'error',
      from: { path: '^src/emulator/state/' },
      to: { path: ['^src/emulator/http/', '^src/emulator/index\\.ts$', '^(node:)?(http|https|net)$'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
