import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { configTemplate } from '../../config/init-template.js';
import { UsageError } from '../../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export async function initCommand(flags: { config?: string; bucket?: string; domain?: string; root?: string; endpoint?: string; force?: boolean }): Promise<ExitCode> {
  const file = path.resolve(flags.config ?? 'config.ini');
  const exists = await fsp.stat(file).then(() => true, () => false);
  if (exists && !flags.force) throw new UsageError(`${file} already exists (use --force to overwrite)`);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, configTemplate({ bucket: flags.bucket, domain: flags.domain, root: flags.root, endpoints: flags.endpoint }));
  process.stdout.write(`Wrote ${file}. Edit it, set credentials (qjournal keys set, or QINIU_ACCESS_KEY/QINIU_SECRET_KEY), then run qjournal sync.\n`);
  return EXIT.ok;
}
