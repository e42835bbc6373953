import { clearCredentials, credentialsPath, promptHidden, saveCredentials } from '../../config/credentials.js';
import { UsageError } from '../../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * Keys come from QINIU_ACCESS_KEY/QINIU_SECRET_KEY when set (scripts), else hidden prompts on a TTY.
 * The passphrase comes from QJOURNAL_PASSPHRASE or a prompt.
 */
export async function keysSetCommand(): Promise<ExitCode> {
  const tty = Boolean(process.stdin.isTTY);
  const ask = async (envName: string, question: string) => {
    const fromEnv = process.env[envName];
    if (fromEnv) return fromEnv;
    if (!tty) throw new UsageError(`${envName} is not set and there is no terminal to ask on`);
    return promptHidden(question);
  };
  const accessKey = await ask('QINIU_ACCESS_KEY', 'Access key: ');
  const secretKey = await ask('QINIU_SECRET_KEY', 'Secret key: ');
  const passphrase = await ask('QJOURNAL_PASSPHRASE', 'Passphrase to encrypt them with: ');
  if (!accessKey || !secretKey || !passphrase) throw new UsageError('access key, secret key and passphrase must not be empty');
  const file = credentialsPath(process.env);
  await saveCredentials(file, { accessKey, secretKey }, passphrase);
  process.stdout.write(`Saved encrypted credentials to ${file}\n`);
  return EXIT.ok;
}

export async function keysClearCommand(): Promise<ExitCode> {
  const file = credentialsPath(process.env);
  const removed = await clearCredentials(file);
  process.stdout.write(removed ? `Removed ${file}\n` : `No credentials stored at ${file}\n`);
  return EXIT.ok;
}
