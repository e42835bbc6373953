import { describe, expect, it } from 'vitest';
import { readConfigValues, setConfigValues } from '../../src/config/edit-config-text.js';
import { parseConfig } from '../../src/config/parse-config.js';

const TEXT = `; qjournal config
[bucket]
name = photos ; the bucket
domain = http://cdn.example.com

[local]
# where the backup lives
root = ./backup

[sync]
concurrency = 2
concurrency = 4
`;

describe('setConfigValues (the dashboard writes settings back, keeping the file)', () => {
  it.each([
    ['replaces a value, keeping its trailing comment', [{ section: 'bucket', key: 'name', value: 'family' }], TEXT.replace('name = photos ; the bucket', 'name = family ; the bucket')],
    ['changes the last of duplicate lines (the one that wins)', [{ section: 'sync', key: 'concurrency', value: '8' }], TEXT.replace('concurrency = 4', 'concurrency = 8')],
    ['adds a missing key at the end of its section', [{ section: 'local', key: 'x', value: 'y' }], TEXT.replace('root = ./backup\n', 'root = ./backup\nx = y\n')],
    ['appends a missing section', [{ section: 'log', key: 'level', value: 'debug' }], `${TEXT}\n[log]\nlevel = debug\n`],
    ['writes an empty value as "key ="', [{ section: 'bucket', key: 'domain', value: '' }], TEXT.replace('domain = http://cdn.example.com', 'domain =')],
    ['quotes what ini would otherwise cut', [{ section: 'sync', key: 'exclude', value: 'a;b' }], TEXT.replace('concurrency = 4\n', 'concurrency = 4\nexclude = a\\;b\n')],
  ])('%s', (_name, changes, expected) => {
    expect(setConfigValues(TEXT, changes)).toBe(expected);
  });

  it('keeps CRLF line ends, and what it writes reads back through the parser', () => {
    const crlf = TEXT.replace(/\n/g, '\r\n');
    const out = setConfigValues(crlf, [{ section: 'sync', key: 'exclude', value: '*.tmp, a;b' }]);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(readConfigValues(out).sync.exclude).toBe('*.tmp, a;b');
    expect(parseConfig(out, '/x/config.ini').config?.sync.exclude).toEqual(['*.tmp', 'a;b']);
  });
});
