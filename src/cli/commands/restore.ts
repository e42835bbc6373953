import { restoreKey } from '../../sync/restore-key.js';
import { openContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export async function restoreCommand(key: string, flags: { config?: string; to?: string }): Promise<ExitCode> {
  const ctx = await openContext({ config: flags.config });
  try {
    const result = await restoreKey({ config: ctx.config, remote: ctx.remote, logger: ctx.logger, key, to: flags.to });
    switch (result.kind) {
      case 'downloaded':
        process.stdout.write(`Restored ${key} to ${result.to}\n`);
        break;
      case 'uploaded':
        process.stdout.write(`Uploaded ${key} from ${result.from}\n`);
        break;
      case 'untrashed':
        process.stdout.write(`Restored ${key} in the bucket from ${result.from}\n`);
        break;
      case 'present':
        process.stdout.write(`${key} exists both locally (${result.path}) and in the bucket: nothing to restore\n`);
        break;
    }
    return EXIT.ok;
  } finally {
    await ctx.close();
  }
}
