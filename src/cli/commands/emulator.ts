import { configSnippet, startEmulator } from '../../emulator/index.js';
import { readSeedFolder } from '../../emulator/seed-folder.js';
import { UsageError } from '../../errors.js';
import type { ExitCode } from '../exit-codes.js';

export async function emulatorCommand(flags: {
  port: string;
  data?: string;
  seed?: string;
  bucket: string;
  private?: boolean;
  region?: string;
  accessKey?: string;
  secretKey?: string;
}): Promise<ExitCode> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
  if (flags.region !== undefined && !/^[a-z0-9-]+$/.test(flags.region)) throw new UsageError(`--region must be a region id such as z0, z2, na0 (got "${flags.region}")`);
  if (Boolean(flags.accessKey) !== Boolean(flags.secretKey)) throw new UsageError('give both --access-key and --secret-key, or neither');
  let seed: Record<string, Buffer> | null = null;
  if (flags.seed) {
    const dir = flags.seed;
    seed = await readSeedFolder(dir).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`--seed ${dir}: cannot read this folder (${err.code ?? err.message})`);
    });
  }
  const emu = await startEmulator({
    port,
    dataDir: flags.data,
    bucket: flags.bucket,
    private: Boolean(flags.private),
    region: flags.region,
    accessKey: flags.accessKey,
    secretKey: flags.secretKey,
  });
  if (seed) emu.seed(seed);
  process.stdout.write(
    `Kodo emulator listening on ${emu.url} (bucket "${emu.bucket}"${flags.private ? ', private' : ''}${flags.data ? `, data in ${flags.data}` : ', in memory'}, region ${emu.region})\n` +
      (seed ? `Seeded ${Object.keys(seed).length} objects from ${flags.seed}\n` : '') +
      `Credentials: QINIU_ACCESS_KEY=${emu.accessKey} QINIU_SECRET_KEY=${emu.secretKey}\n` +
      'Control routes (put objects in, inject faults): qjournal emulator --help\n\n' +
      `config.ini snippet:\n${configSnippet(emu)}\n` +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emu.close();
  return 0;
}
