import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QETAG_BLOCK, QetagHasher, etagV2, qetag } from '../../src/core/qetag.js';
import { hashFile } from '../../src/local/hash-file.js';

const MiB = 1 << 20;

/** The SDKs' shared fake data: 4096-byte lines of `A`, `b`…, `\r\n`, repeated (rust-sdk `data_of_size`). */
function fakeData(size: number): Buffer {
  const line = Buffer.alloc(4096, 'b');
  line[0] = 'A'.charCodeAt(0);
  line[4094] = 13;
  line[4095] = 10;
  const out = Buffer.alloc(size);
  for (let off = 0; off < size; off += line.length) line.copy(out, off, 0, Math.min(line.length, size - off));
  return out;
}

describe('qetag (protocol §7 vectors)', () => {
  it.each([
    ['empty', Buffer.alloc(0), 'Fto5o-5ea0sNMlW_75VgGJCv2AcJ'],
    ['hello', Buffer.from('hello'), 'Fqr0xh3cxeii2r7eDztILNmuqUNN'],
    ['etag', Buffer.from('etag'), 'FpLiADEaVoALPkdb8tJEJyRTXoe_'],
    ['4 MiB of zeros', Buffer.alloc(QETAG_BLOCK), 'FivMvS848VwT631aif2dhfWV4jvD'],
    ['4 MiB + 1 of zeros', Buffer.alloc(QETAG_BLOCK + 1), 'lhCFgki5yzon0rjN9uJusf6qtsF6'],
    ['1 MiB fake data', fakeData(MiB), 'Foyl8onxBLWeRLL5oItRJphv6i4b'],
    ['exactly 4 MiB fake data', fakeData(4 * MiB), 'FicHOveBNs5Kn9d74M3b9tI4D-8r'],
    ['5 MiB fake data', fakeData(5 * MiB), 'lg-Eb5KFCuZn-cUfj_oS2PPOU9xy'],
    ['8 MiB fake data', fakeData(8 * MiB), 'lkSKZOMToDp-EqLDVuT1pyjQssl-'],
    ['9 MiB fake data', fakeData(9 * MiB), 'ljgVjMtyMsOgIySv79U8Qz4TrUO4'],
  ])('%s', (_name, data, expected) => {
    expect(qetag(data)).toBe(expected);
    expect(qetag(data)).toHaveLength(28);
  });

  it('single blocks start with F, multi-block hashes with l', () => {
    expect(qetag(Buffer.alloc(QETAG_BLOCK))[0]).toBe('F');
    expect(qetag(Buffer.alloc(QETAG_BLOCK + 1))[0]).toBe('l');
  });
});

describe('QetagHasher streaming', () => {
  const data = fakeData(9 * MiB + 12345);

  it.each([7, 4095, 65536, 1_000_003, QETAG_BLOCK - 1, QETAG_BLOCK, QETAG_BLOCK + 1, 9 * MiB])('chunks of %i bytes equal one-shot', (size) => {
    const hasher = new QetagHasher();
    for (let off = 0; off < data.length; off += size) hasher.update(data.subarray(off, off + size));
    expect(hasher.digest()).toBe(qetag(data));
  });

  it('byte-at-a-time across the block boundary', () => {
    const around = fakeData(QETAG_BLOCK + 2);
    const hasher = new QetagHasher();
    hasher.update(around.subarray(0, QETAG_BLOCK - 2));
    for (let i = QETAG_BLOCK - 2; i < around.length; i++) hasher.update(around.subarray(i, i + 1));
    expect(hasher.digest()).toBe(qetag(around));
  });

  it('empty updates change nothing and digest is repeatable', () => {
    const hasher = new QetagHasher();
    hasher.update(Buffer.alloc(0));
    hasher.update(Buffer.from('hel'));
    hasher.update(Buffer.alloc(0));
    hasher.update(Buffer.from('lo'));
    expect(hasher.digest()).toBe('Fqr0xh3cxeii2r7eDztILNmuqUNN');
    expect(hasher.digest()).toBe('Fqr0xh3cxeii2r7eDztILNmuqUNN');
    expect(() => hasher.update(Buffer.from('x'))).toThrow();
  });

  it('a fresh hasher digests to the empty qetag', () => {
    expect(new QetagHasher().digest()).toBe('Fto5o-5ea0sNMlW_75VgGJCv2AcJ');
  });
});

describe('etagV2', () => {
  it.each([
    ['hello|world', Buffer.from('helloworld'), [5, 5], 'ns56DcSIfBFUENXjdhsJTIvl3Rcu'],
    ['512K|512K', fakeData(MiB), [MiB / 2, MiB / 2], 'nlF4JinKEDBChmFGYbEIsZt6Gxnw'],
    ['512K|8M', fakeData(MiB / 2 + 8 * MiB), [MiB / 2, 8 * MiB], 'nt82yvMNHlNgZ4H8_A_4de84mr2f'],
    ['4M|4M|1M equals qetag', fakeData(9 * MiB), [4 * MiB, 4 * MiB, MiB], 'ljgVjMtyMsOgIySv79U8Qz4TrUO4'],
    ['one part of 1 MiB equals qetag', fakeData(MiB), [MiB], 'Foyl8onxBLWeRLL5oItRJphv6i4b'],
    ['no parts (empty) equals the empty qetag', Buffer.alloc(0), [], 'Fto5o-5ea0sNMlW_75VgGJCv2AcJ'],
  ])('%s', (_name, data, parts, expected) => {
    expect(etagV2(data, parts)).toBe(expected);
  });

  it('equals qetag whenever all parts but the last are 4 MiB', () => {
    const data = fakeData(4 * MiB * 2 + 777);
    expect(etagV2(data, [4 * MiB, 4 * MiB, 777])).toBe(qetag(data));
  });

  it('rejects part sizes that do not add up', () => {
    expect(() => etagV2(Buffer.from('abc'), [1, 1])).toThrow(RangeError);
  });
});

describe('hashFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qetag-test-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it.each([0, 5, QETAG_BLOCK, QETAG_BLOCK + 1, 9 * MiB + 3])('equals qetag for a %i-byte file', async (size) => {
    const data = fakeData(size);
    const file = path.join(dir, `f-${size}`);
    await fsp.writeFile(file, data);
    expect(await hashFile(file)).toBe(qetag(data));
  });

  it('rejects a missing file', async () => {
    await expect(hashFile(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
