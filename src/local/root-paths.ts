import path from 'node:path';

/** The tool's own folder inside the backup root. Keys never map here (see core/keys.ts). */
export const STATE_DIR = '.qjournal';

export interface RootPaths {
  root: string;
  stateDir: string;
  tmpDir: string;
  trashDir: string;
  /** The local version store (src/local/version-store.ts). */
  storeDir: string;
  lockFile: string;
}

export function rootPaths(root: string): RootPaths {
  const abs = path.resolve(root);
  const stateDir = path.join(abs, STATE_DIR);
  return {
    root: abs,
    stateDir,
    tmpDir: path.join(stateDir, 'tmp'),
    trashDir: path.join(stateDir, 'trash'),
    storeDir: path.join(stateDir, 'versions'),
    lockFile: path.join(stateDir, 'lock'),
  };
}

/**
 * Absolute path of a relative `/`-separated path, refusing anything that resolves outside `root`.
 * Mapped paths from core/keys.ts never contain `..`, but this is the last line of defence before the disk.
 */
export function resolveInside(root: string, relPath: string): string {
  const abs = path.resolve(root, ...relPath.split('/'));
  const rel = path.relative(root, abs);
  // `..` or below it; a name that only begins with dots (`..notes.txt`, a conflict copy of key `..`) is inside.
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new Error(`refusing path outside the backup root: ${JSON.stringify(relPath)}`);
  }
  return abs;
}
