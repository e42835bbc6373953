import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { resolveHosts } from '../../src/sync/resolve-region.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qj-resolve-region-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = { accessKey: 'ak', secretKey: 'sk' };

function configWith(bucketLines: string) {
  // Port 1 on loopback: nothing listens, the query is refused at once.
  const text = `[bucket]\nname = b\n${bucketLines}\n[local]\nroot = ${dir}/root\n[endpoints]\nuc = http://127.0.0.1:1\n`;
  const { config, errors } = parseConfig(text, path.join(dir, 'config.ini'));
  expect(errors).toEqual([]);
  return config!;
}

describe('resolveHosts when the region query cannot be reached', () => {
  it('an explicit region with a domain still runs: the region table, no origin fallback, a warning that says so', async () => {
    const resolved = await resolveHosts(configWith('region = z2\ndomain = http://cdn.example.com'), credentials);
    expect(resolved.hosts.regionId).toBe('z2');
    expect(resolved.hosts.origin).toBeNull();
    expect(resolved.hosts.up.some((h) => h.includes('z2'))).toBe(true);
    expect(resolved.warning).toMatch(/Region query failed .*ECONNREFUSED.*using region z2 as configured, downloads from http:\/\/cdn\.example\.com without the retry/);
  });

  it('region = auto, or an explicit region without a domain, cannot go on: the query error is thrown (exit 4)', async () => {
    await expect(resolveHosts(configWith('domain = http://cdn.example.com'), credentials)).rejects.toMatchObject({ kind: 'network' });
    await expect(resolveHosts(configWith('region = z2'), credentials)).rejects.toMatchObject({ kind: 'network' });
  });
});
