import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Credentials } from './config.js';
import { promptHidden } from './prompt-hidden.js';

export { promptHidden } from './prompt-hidden.js';

/**
 * Missing, half-set or undecryptable credentials. A ConfigError (exit 3) whose problems sit in section `credentials`
 * and whose message reads on its own. Never contains a key.
 */
export class CredentialsError extends ConfigError {
  constructor(key: string, message: string, file = '') {
    super([{ file, section: 'credentials', key, message }]);
    this.name = 'CredentialsError';
    this.message = message;
  }
}

/** The credentials file on disk (all binary fields base64). */
export interface EncryptedCredentials {
  version: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  data: string;
}

/** scrypt cost: N = 2^15, r = 8, p = 1 needs 32 MiB, Node's default maxmem exactly, hence an explicit maxmem. */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
/** The most memory a credentials file may ask scrypt for (files are input: bound the cost they can demand). */
const MAX_SCRYPT_MEMORY = 256 * 1024 ** 2;
const PROMPT_ATTEMPTS = 3;

/**
 * `$QJOURNAL_CREDENTIALS`, else `<config home>/qjournal/credentials-<profile>.json` for a config's `[credentials]
 * profile`, else `<config home>/qjournal/credentials.json`; the config home is `$XDG_CONFIG_HOME`, else `~/.config`.
 */
export function credentialsPath(env: Record<string, string | undefined>, profile: string | null = null): string {
  if (env.QJOURNAL_CREDENTIALS) return path.resolve(env.QJOURNAL_CREDENTIALS);
  return path.join(configHome(env), 'qjournal', profile ? `credentials-${profile}.json` : 'credentials.json');
}

/** `$XDG_CONFIG_HOME`, else `~/.config` (the XDG spec says relative values are invalid and must be ignored). */
export function configHome(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CONFIG_HOME;
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
}

/**
 * The passphrase from `$QJOURNAL_PASSPHRASE`, else from the file `$QJOURNAL_PASSPHRASE_FILE` (its first line; it must
 * be readable by its owner only, like an ssh key), else undefined.
 */
export async function passphraseFromEnv(env: Record<string, string | undefined>): Promise<{ passphrase: string; from: string } | undefined> {
  if (env.QJOURNAL_PASSPHRASE) return { passphrase: env.QJOURNAL_PASSPHRASE, from: 'QJOURNAL_PASSPHRASE' };
  const file = env.QJOURNAL_PASSPHRASE_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    const st = await fsp.stat(file);
    if ((st.mode & 0o077) !== 0) {
      throw new CredentialsError('passphrase', `QJOURNAL_PASSPHRASE_FILE ${file} is readable by others: chmod 600 it`, file);
    }
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof CredentialsError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CredentialsError('passphrase', `cannot read QJOURNAL_PASSPHRASE_FILE ${file} (${code})`, file);
  }
  const passphrase = text.split(/\r?\n/)[0];
  if (!passphrase) throw new CredentialsError('passphrase', `QJOURNAL_PASSPHRASE_FILE ${file} is empty`, file);
  return { passphrase, from: `QJOURNAL_PASSPHRASE_FILE ${file}` };
}

export interface ResolveCredentialsOptions {
  env: Record<string, string | undefined>;
  /** Default: credentialsPath(env). */
  file?: string;
  /** May we prompt for the passphrase? (stdin is a terminal) */
  isTTY: boolean;
  /** Default: promptHidden on stdin/stderr. */
  prompt?: (question: string) => Promise<string>;
}

/**
 * `QINIU_ACCESS_KEY` + `QINIU_SECRET_KEY` win (both or neither); else the encrypted credentials file, with the
 * passphrase from `QJOURNAL_PASSPHRASE` or a hidden prompt on a TTY (three tries). Throws CredentialsError (exit 3).
 */
export async function resolveCredentials(opts: ResolveCredentialsOptions): Promise<Credentials> {
  const { env } = opts;
  const accessKey = env.QINIU_ACCESS_KEY?.trim();
  const secretKey = env.QINIU_SECRET_KEY?.trim();
  if (accessKey && secretKey) return { accessKey, secretKey };
  if (accessKey || secretKey) {
    const [set, unset] = accessKey ? ['QINIU_ACCESS_KEY', 'QINIU_SECRET_KEY'] : ['QINIU_SECRET_KEY', 'QINIU_ACCESS_KEY'];
    throw new CredentialsError(unset, `${set} is set but ${unset} is not: set both, or neither to use the encrypted credentials file`);
  }

  const file = opts.file ?? credentialsPath(env);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CredentialsError(
        'file',
        `no Qiniu credentials: set QINIU_ACCESS_KEY and QINIU_SECRET_KEY, or store them encrypted with "qjournal keys set" (looked for ${file})`,
        file,
      );
    }
    throw new CredentialsError('file', `cannot read the credentials file ${file} (${code ?? 'unknown error'})`, file);
  }
  const stored = readEncrypted(text, file);

  const fromEnv = await passphraseFromEnv(env);
  if (fromEnv) {
    const creds = await decryptCredentials(stored, fromEnv.passphrase);
    if (!creds) throw new CredentialsError('passphrase', `wrong passphrase or corrupted credentials file: ${file} (passphrase from ${fromEnv.from})`, file);
    return creds;
  }
  if (!opts.isTTY) {
    throw new CredentialsError(
      'passphrase',
      `${file} is encrypted and there is no terminal to ask for its passphrase: set QJOURNAL_PASSPHRASE or QJOURNAL_PASSPHRASE_FILE (or QINIU_ACCESS_KEY and QINIU_SECRET_KEY)`,
      file,
    );
  }
  const prompt = opts.prompt ?? ((q: string) => promptHidden(q));
  for (let attempt = 1; attempt <= PROMPT_ATTEMPTS; attempt++) {
    const passphrase = await prompt(attempt === 1 ? `Passphrase for ${file}: ` : 'Wrong passphrase, try again: ');
    const creds = await decryptCredentials(stored, passphrase);
    if (creds) return creds;
  }
  throw new CredentialsError('passphrase', `wrong passphrase or corrupted credentials file: ${file}`, file);
}

/** Encrypt and write atomically (temp file + rename), mode 0600; a folder it creates gets mode 0700. */
export async function saveCredentials(file: string, creds: Credentials, passphrase: string): Promise<void> {
  if (!creds.accessKey || !creds.secretKey) throw new CredentialsError('keys', 'the access key and the secret key must not be empty', file);
  if (!passphrase) throw new CredentialsError('passphrase', 'the passphrase must not be empty', file);
  const text = `${JSON.stringify(await encryptCredentials(creds, passphrase), null, 2)}\n`;
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fsp.open(tmp, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
    await fsp.chmod(file, 0o600);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Delete the credentials file. false when there was none. */
export async function clearCredentials(file: string): Promise<boolean> {
  try {
    await fsp.unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** scrypt(passphrase, random salt) → AES-256-GCM over the JSON `{accessKey, secretKey}`. */
export async function encryptCredentials(creds: Credentials, passphrase: string): Promise<EncryptedCredentials> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, SCRYPT_PARAMS);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const plaintext = Buffer.from(JSON.stringify({ accessKey: creds.accessKey, secretKey: creds.secretKey }), 'utf8');
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return {
    version: 1,
    kdf: { name: 'scrypt', ...SCRYPT_PARAMS, salt: salt.toString('base64') },
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** The credentials, or null when the passphrase is wrong or the data was altered (GCM authentication failed). */
export async function decryptCredentials(stored: EncryptedCredentials, passphrase: string): Promise<Credentials | null> {
  const { N, r, p } = stored.kdf;
  const key = await deriveKey(passphrase, Buffer.from(stored.kdf.salt, 'base64'), { N, r, p });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(stored.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(stored.tag, 'base64'));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(stored.data, 'base64')), decipher.final()]);
    const parsed = JSON.parse(plaintext.toString('utf8')) as Partial<Credentials>;
    plaintext.fill(0);
    if (typeof parsed.accessKey !== 'string' || typeof parsed.secretKey !== 'string') return null;
    return { accessKey: parsed.accessKey, secretKey: parsed.secretKey };
  } catch {
    return null;
  }
}

/** Parse and sanity-check the file's JSON (bounded scrypt cost, sizes of salt, iv and tag). */
function readEncrypted(text: string, file: string): EncryptedCredentials {
  const bad = (why: string) =>
    new CredentialsError('file', `${file} is not a valid qjournal credentials file (${why}); recreate it with "qjournal keys set"`, file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const v = value as Partial<EncryptedCredentials> | null;
  if (!v || typeof v !== 'object') throw bad('not a JSON object');
  if (v.version !== 1) throw bad(`unsupported version ${JSON.stringify(v.version)}`);
  const kdf = v.kdf;
  if (!kdf || kdf.name !== 'scrypt') throw bad('unknown key derivation');
  const { N, r, p } = kdf;
  const isInt = (n: unknown, min: number, max: number) => Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max;
  if (!isInt(N, 2, 2 ** 24) || (N & (N - 1)) !== 0 || !isInt(r, 1, 64) || !isInt(p, 1, 16) || 128 * N * r * p > MAX_SCRYPT_MEMORY) {
    throw bad('unsupported scrypt parameters');
  }
  const b64 = (s: unknown, bytes?: number) =>
    typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && (bytes === undefined || Buffer.from(s, 'base64').length === bytes);
  if (!b64(kdf.salt) || Buffer.from(kdf.salt, 'base64').length < 16) throw bad('bad salt');
  if (!b64(v.iv, 12) || !b64(v.tag, 16) || !b64(v.data)) throw bad('bad iv, tag or data');
  return v as EncryptedCredentials;
}

function deriveKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // NFC: the same passphrase typed on different systems must give the same key.
  const options: ScryptOptions = { ...params, maxmem: 2 * 128 * params.N * params.r * params.p + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
