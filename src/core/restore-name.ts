import { decodePathToKey } from './keys.js';

/**
 * The keys a `restore` argument may name, most likely first. People copy names from `status` and the plan (local
 * paths, relative to `[local] root`, escaped: `%2E%2E/evil.txt`), from the log (keys: `big/file0.bin`), or a file's
 * path on disk (`./backup/big/file0.bin`, absolute or relative to `cwd`). Pure: `root` and `cwd` are absolute paths
 * using `/`; which candidate exists is for the caller to find out.
 *
 * 1. an absolute path on disk inside the root, as that path;
 * 2. the argument as a key, when it lies under the prefix (keys outside it are not this config's);
 * 3. the argument as a path under the root (`file0.bin` with prefix `big/` → `big/file0.bin`);
 * 4. the argument as a path on disk inside the root, relative to `cwd`.
 */
export function restoreCandidates(arg: string, ctx: { prefix: string; root: string; cwd: string }): string[] {
  const out: string[] = [];
  const add = (key: string | { reason: string }) => {
    if (typeof key === 'string' && key.startsWith(ctx.prefix) && key !== ctx.prefix && !out.includes(key)) out.push(key);
  };
  const onDisk = relativeTo(ctx.root, arg.startsWith('/') ? arg : `${ctx.cwd.replace(/\/+$/, '')}/${arg}`);
  // An absolute path inside the root is surely meant as one (keys rarely start with the root's path).
  if (arg.startsWith('/') && onDisk !== null) add(decodePathToKey(onDisk, ctx.prefix));
  add(arg);
  const relative = arg.replace(/^\.\/+/, '');
  if (relative !== '' && !relative.startsWith('/')) add(decodePathToKey(relative, ctx.prefix));
  if (onDisk !== null) add(decodePathToKey(onDisk, ctx.prefix));
  return out;
}

/** `abs` (normalised) relative to `root`, or null when it is not strictly inside it. */
function relativeTo(root: string, abs: string): string | null {
  const parts: string[] = [];
  for (const part of abs.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const rootParts = root.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length <= rootParts.length || rootParts.some((p, i) => parts[i] !== p)) return null;
  return parts.slice(rootParts.length).join('/');
}
