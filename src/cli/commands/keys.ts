import { promises as fsp } from 'node:fs';
import { clearCredentials, credentialsPath, passphraseFromEnv, promptHidden, saveCredentials } from '../../config/credentials.js';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export interface KeysFlags {
  config?: string;
  profile?: string;
  stdin?: boolean;
}

/** The answers `keys set` needs; each is checked as soon as it is given. */
const FIELDS = [
  { name: 'access key', env: 'QINIU_ACCESS_KEY', question: 'Access key: ' },
  { name: 'secret key', env: 'QINIU_SECRET_KEY', question: 'Secret key: ' },
  { name: 'passphrase', env: 'QJOURNAL_PASSPHRASE', question: 'Passphrase to encrypt them with: ' },
] as const;
const PROMPT_ATTEMPTS = 3;

/** Why an answer is not acceptable, or null. Keys are printable ASCII without spaces (Qiniu's are 40 characters). */
export function checkAnswer(field: (typeof FIELDS)[number]['name'], value: string): string | null {
  if (value === '') return `the ${field} must not be empty`;
  if (field !== 'passphrase' && !/^[\x21-\x7e]+$/.test(value)) return `the ${field} must be printable characters without spaces`;
  return null;
}

/**
 * Keys from QINIU_ACCESS_KEY/QINIU_SECRET_KEY when set, else from standard input (`--stdin`: one a line, in the
 * order access key, secret key, passphrase, skipping those the environment gives), else hidden prompts on a terminal,
 * each answer checked at once and the passphrase asked twice. Stored for the profile of `--profile`, else of the
 * config's `[credentials] profile`.
 */
export async function keysSetCommand(flags: KeysFlags): Promise<ExitCode> {
  const file = await targetFile(flags);
  const piped = flags.stdin ? (await readAll(process.stdin)).split(/\r?\n/) : null;
  const tty = Boolean(process.stdin.isTTY) && !flags.stdin;
  const answers: string[] = [];
  for (const field of FIELDS) {
    const fromEnv = field.env === 'QJOURNAL_PASSPHRASE' ? (await passphraseFromEnv(process.env))?.passphrase : process.env[field.env];
    let value: string;
    if (fromEnv) value = fromEnv;
    else if (piped) value = piped.shift() ?? '';
    else if (tty) value = await askUntilValid(field);
    else throw new UsageError(`${field.env} is not set and there is no terminal to ask on (use --stdin to pipe the answers)`);
    const why = checkAnswer(field.name, value);
    if (why) throw new UsageError(`${why}${piped ? ' (read from standard input)' : fromEnv ? ` (from ${field.env})` : ''}`);
    answers.push(value);
  }
  const [accessKey, secretKey, passphrase] = answers;
  await saveCredentials(file, { accessKey, secretKey }, passphrase);
  process.stdout.write(`Saved encrypted credentials to ${file}\n`);
  return EXIT.ok;
}

export async function keysClearCommand(flags: KeysFlags): Promise<ExitCode> {
  const file = await targetFile(flags);
  const removed = await clearCredentials(file);
  process.stdout.write(removed ? `Removed ${file}\n` : `No credentials stored at ${file}\n`);
  return EXIT.ok;
}

/** `--profile`, else the config's profile: an explicit `--config` must be valid; a missing default config means none. */
async function targetFile(flags: KeysFlags): Promise<string> {
  if (flags.profile !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.profile)) throw new UsageError('--profile must be letters, digits, ".", "_" and "-"');
    return credentialsPath(process.env, flags.profile);
  }
  const explicit = flags.config ?? process.env.QJOURNAL_CONFIG;
  const configPath = resolveConfigPath(flags.config, process.env);
  if (!explicit && !(await fsp.stat(configPath).then((s) => s.isFile(), () => false))) return credentialsPath(process.env);
  const { config } = await loadConfig(configPath);
  return credentialsPath(process.env, config.credentials.profile);
}

async function askUntilValid(field: (typeof FIELDS)[number]): Promise<string> {
  for (let attempt = 1; attempt <= PROMPT_ATTEMPTS; attempt++) {
    const value = await promptHidden(field.question);
    const why = checkAnswer(field.name, value);
    if (why) {
      process.stderr.write(`${why}\n`);
      continue;
    }
    if (field.name !== 'passphrase') return value;
    if ((await promptHidden('The same passphrase again: ')) === value) return value;
    process.stderr.write('the two passphrases differ\n');
  }
  throw new UsageError(`no valid ${field.name} after ${PROMPT_ATTEMPTS} tries`);
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}
