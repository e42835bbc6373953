import { Chalk } from 'chalk';
import type { UnverifiedCopy } from '../journal/journal.js';

/**
 * Local copies of objects whose hash no local computation reproduces (an opaque hash, or an etag v2 listed without
 * its parts): they were checked only by MD5 or by size. `status` lists them so a user knows which backups could not
 * be verified against the bucket's hash.
 */
export function unverifiedToJson(copies: readonly UnverifiedCopy[]) {
  return copies.map((c) => ({ key: c.key, path: c.path, hashKind: c.hashKind, checkedBy: c.verifiedBy }));
}

export function renderUnverified(copies: readonly UnverifiedCopy[], opts: { color: boolean }): string {
  if (copies.length === 0) return '';
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const lines = copies.map(
    (c) => `${chalk.yellow('unverified'.padEnd(15))} ${c.path}  ${chalk.gray(`(${c.hashKind} hash cannot be reproduced; checked by ${c.verifiedBy === 'md5' ? 'MD5' : 'size only'})`)}`,
  );
  lines.push(`${copies.length} unverified cop${copies.length === 1 ? 'y' : 'ies'}`);
  return `${lines.join('\n')}\n`;
}
