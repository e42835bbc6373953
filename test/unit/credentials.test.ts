import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clearCredentials,
  CredentialsError,
  credentialsPath,
  decryptCredentials,
  encryptCredentials,
  promptHidden,
  resolveCredentials,
  saveCredentials,
} from '../../src/config/credentials.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const CREDS = { accessKey: 'AK-visible-0123456789', secretKey: 'SK-top-secret-9876543210' };
const PASS = 'correct horse battery staple';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qjournal-creds-'));
  file = path.join(dir, 'xdg', 'qjournal', 'credentials.json');
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** The rejection of a promise, asserted to be a CredentialsError (a ConfigError: exit 3) that leaks no key. */
async function failure(p: Promise<unknown>): Promise<CredentialsError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CredentialsError);
  expect(err).toBeInstanceOf(ConfigError);
  const text = `${(err as Error).message} ${JSON.stringify((err as CredentialsError).problems)} ${(err as Error).stack}`;
  for (const secret of [CREDS.accessKey, CREDS.secretKey, PASS]) expect(text).not.toContain(secret);
  return err as CredentialsError;
}

describe('credentialsPath', () => {
  it('QJOURNAL_CREDENTIALS, else XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsPath({ QJOURNAL_CREDENTIALS: '/x/c.json', XDG_CONFIG_HOME: '/xdg' })).toBe('/x/c.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/me' })).toBe('/xdg/qjournal/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/me' })).toBe('/home/me/.config/qjournal/credentials.json');
    expect(credentialsPath({ HOME: '/home/me' })).toBe('/home/me/.config/qjournal/credentials.json');
    expect(path.isAbsolute(credentialsPath({}))).toBe(true);
  });
});

describe('encrypted credentials file', () => {
  it('round trip; file 0600 in a 0700 folder; nothing readable in it', async () => {
    await saveCredentials(file, CREDS, PASS);
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fsp.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const text = await fsp.readFile(file, 'utf8');
    expect(text).not.toContain(CREDS.accessKey);
    expect(text).not.toContain(CREDS.secretKey);
    const stored = JSON.parse(text);
    expect(stored).toEqual({
      version: 1,
      kdf: { name: 'scrypt', N: 32768, r: 8, p: 1, salt: expect.any(String) },
      iv: expect.any(String),
      tag: expect.any(String),
      data: expect.any(String),
    });
    expect(Buffer.from(stored.kdf.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(stored.iv, 'base64')).toHaveLength(12);
    expect(await resolveCredentials({ env: { QJOURNAL_PASSPHRASE: PASS }, file, isTTY: false })).toEqual(CREDS);
    expect(await fsp.readdir(path.dirname(file))).toEqual(['credentials.json']); // no temp file left behind
  });

  it('overwriting keeps mode 0600 and a fresh salt and iv', async () => {
    await saveCredentials(file, CREDS, PASS);
    const first = JSON.parse(await fsp.readFile(file, 'utf8'));
    await fsp.chmod(file, 0o644);
    await saveCredentials(file, CREDS, PASS);
    const second = JSON.parse(await fsp.readFile(file, 'utf8'));
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
    expect(second.kdf.salt).not.toBe(first.kdf.salt);
    expect(second.iv).not.toBe(first.iv);
  });

  it('a wrong passphrase fails clearly', async () => {
    await saveCredentials(file, CREDS, PASS);
    const err = await failure(resolveCredentials({ env: { QJOURNAL_PASSPHRASE: 'wrong' }, file, isTTY: false }));
    expect(err.message).toContain('wrong passphrase or corrupted credentials file');
    expect(err.problems[0]).toMatchObject({ section: 'credentials', key: 'passphrase', file });
  });

  it('a tampered file fails like a wrong passphrase', async () => {
    const stored = await encryptCredentials(CREDS, PASS);
    const data = Buffer.from(stored.data, 'base64');
    data[0] ^= 1;
    expect(await decryptCredentials({ ...stored, data: data.toString('base64') }, PASS)).toBeNull();
    expect(await decryptCredentials(stored, PASS)).toEqual(CREDS);
  });

  it.each([
    ['not JSON', 'hello'],
    ['another version', JSON.stringify({ version: 2 })],
    ['an absurd scrypt cost', JSON.stringify({ version: 1, kdf: { name: 'scrypt', N: 2 ** 30, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' } })],
  ])('a file that is %s is reported, not crashed on', async (_name, text) => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, text);
    const err = await failure(resolveCredentials({ env: { QJOURNAL_PASSPHRASE: PASS }, file, isTTY: false }));
    expect(err.message).toContain('not a valid qjournal credentials file');
  });

  it('clearCredentials removes the file, false when there is none', async () => {
    await saveCredentials(file, CREDS, PASS);
    expect(await clearCredentials(file)).toBe(true);
    expect(await clearCredentials(file)).toBe(false);
  });

  it('refuses empty keys or passphrase', async () => {
    await failure(saveCredentials(file, { accessKey: '', secretKey: 'x' }, PASS));
    await failure(saveCredentials(file, CREDS, ''));
  });
});

describe('resolveCredentials', () => {
  it('environment variables win over the file', async () => {
    await saveCredentials(file, { accessKey: 'file-ak', secretKey: 'file-sk' }, PASS);
    const env = { QINIU_ACCESS_KEY: CREDS.accessKey, QINIU_SECRET_KEY: `${CREDS.secretKey}\n`, QJOURNAL_PASSPHRASE: PASS };
    expect(await resolveCredentials({ env, file, isTTY: false })).toEqual(CREDS);
  });

  it.each([
    [{ QINIU_ACCESS_KEY: CREDS.accessKey }, 'QINIU_SECRET_KEY'],
    [{ QINIU_SECRET_KEY: CREDS.secretKey }, 'QINIU_ACCESS_KEY'],
    [{ QINIU_ACCESS_KEY: CREDS.accessKey, QINIU_SECRET_KEY: '' }, 'QINIU_SECRET_KEY'],
  ])('only one of the two variables is an error (%o)', async (env, missing) => {
    await saveCredentials(file, CREDS, PASS);
    const err = await failure(resolveCredentials({ env: { ...env, QJOURNAL_PASSPHRASE: PASS }, file, isTTY: true }));
    expect(err.message).toContain(`${missing} is not`);
    expect(err.problems[0]).toMatchObject({ section: 'credentials', key: missing });
  });

  it('no variables and no file: explains both options', async () => {
    const err = await failure(resolveCredentials({ env: {}, file, isTTY: true }));
    expect(err.message).toContain('QINIU_ACCESS_KEY and QINIU_SECRET_KEY');
    expect(err.message).toContain('qjournal keys set');
    expect(err.message).toContain(file);
  });

  it('uses credentialsPath(env) by default', async () => {
    const env = { XDG_CONFIG_HOME: path.join(dir, 'xdg'), QJOURNAL_PASSPHRASE: PASS };
    await saveCredentials(credentialsPath(env), CREDS, PASS);
    expect(await resolveCredentials({ env, isTTY: false })).toEqual(CREDS);
  });

  it('no passphrase and no terminal: says to set QJOURNAL_PASSPHRASE', async () => {
    await saveCredentials(file, CREDS, PASS);
    const err = await failure(resolveCredentials({ env: {}, file, isTTY: false }));
    expect(err.message).toContain('set QJOURNAL_PASSPHRASE');
  });

  it('on a terminal it prompts, up to three times', async () => {
    await saveCredentials(file, CREDS, PASS);
    const questions: string[] = [];
    const answers = ['nope', PASS];
    const prompt = async (q: string) => (questions.push(q), answers.shift()!);
    expect(await resolveCredentials({ env: {}, file, isTTY: true, prompt })).toEqual(CREDS);
    expect(questions).toEqual([`Passphrase for ${file}: `, 'Wrong passphrase, try again: ']);

    let asked = 0;
    const wrong = async () => (asked++, 'wrong');
    const err = await failure(resolveCredentials({ env: {}, file, isTTY: true, prompt: wrong }));
    expect(asked).toBe(3);
    expect(err.message).toContain('wrong passphrase or corrupted credentials file');
  });
});

describe('promptHidden', () => {
  function fakeTty() {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, rawModes: [] as boolean[] });
    Object.assign(input, {
      setRawMode(mode: boolean) {
        input.rawModes.push(mode);
        input.isRaw = mode;
        return input;
      },
    });
    const output = new PassThrough();
    let written = '';
    output.on('data', (d) => (written += d));
    return { input, output, written: () => written };
  }

  it('reads a line in raw mode without echo, handling backspace and arrow keys', async () => {
    const tty = fakeTty();
    const answer = promptHidden('Passphrase: ', tty);
    tty.input.write('secrex\u007ft\u001b[Dé\r');
    expect(await answer).toBe('secreté');
    expect(tty.written()).toBe('Passphrase: \n');
    expect(tty.input.rawModes).toEqual([true, false]);
  });

  it('Ctrl-C cancels', async () => {
    const tty = fakeTty();
    const answer = promptHidden('? ', tty);
    tty.input.write('abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(UsageError);
    expect(tty.input.isRaw).toBe(false);
  });

  it('refuses without a terminal', async () => {
    await expect(promptHidden('? ', { input: new PassThrough(), output: new PassThrough() })).rejects.toBeInstanceOf(UsageError);
  });
});
