import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Every regular file below `dir` as key → bytes, the key being its path relative to `dir` with `/` separators
 * (`photos/a.jpg`). For `qjournal emulator --seed DIR`. Symbolic links and other non-files are skipped.
 */
export async function readSeedFolder(dir: string): Promise<Record<string, Buffer>> {
  const objects: Record<string, Buffer> = {};
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) objects[child] = await fsp.readFile(path.join(dir, ...child.split('/')));
    }
  };
  await walk('');
  return objects;
}
