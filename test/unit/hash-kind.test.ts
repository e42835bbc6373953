import { describe, expect, it } from 'vitest';
import { ContentChecker } from '../../src/core/content-check.js';
import { hashKind, isPlainQetag } from '../../src/core/hash-kind.js';
import { EtagV2Hasher, QETAG_BLOCK, etagV2, qetag } from '../../src/core/qetag.js';

const MiB = 1 << 20;

/** The SDKs' shared fake data (rust-sdk `data_of_size`), as in qetag.test.ts. */
function fakeData(size: number): Buffer {
  const line = Buffer.alloc(4096, 'b');
  line[0] = 'A'.charCodeAt(0);
  line[4094] = 13;
  line[4095] = 10;
  const out = Buffer.alloc(size);
  for (let off = 0; off < size; off += line.length) line.copy(out, off, 0, Math.min(line.length, size - off));
  return out;
}

describe('hashKind (first byte of the decoded hash, protocol §12)', () => {
  it.each([
    ['Fto5o-5ea0sNMlW_75VgGJCv2AcJ', 'v1-single'], // empty
    ['Fqr0xh3cxeii2r7eDztILNmuqUNN', 'v1-single'], // hello
    ['lhCFgki5yzon0rjN9uJusf6qtsF6', 'v1-multi'], // 4 MiB + 1 zeros
    ['ljgVjMtyMsOgIySv79U8Qz4TrUO4', 'v1-multi'],
    ['ns56DcSIfBFUENXjdhsJTIvl3Rcu', 'etag-v2'], // parts hello|world
    ['nt82yvMNHlNgZ4H8_A_4de84mr2f', 'etag-v2'],
    // the first character alone does not decide: `F` with a second character below `g` is byte 0x14/0x15, not 0x16
    ['FAr0xh3cxeii2r7eDztILNmuqUNN', 'opaque'],
    ['nAr0xh3cxeii2r7eDztILNmuqUNN', 'opaque'],
    ['5d41402abc4b2a76b9719d911017c592', 'opaque'], // an MD5-looking ETag (S3 API)
    ['Fqr0xh3cxeii2r7eDztILNmuqUN', 'opaque'], // 27 characters
    ['Fqr0xh3cxeii2r7eDztILNmuqUN=', 'opaque'], // not base64url
    ['', 'opaque'],
  ])('%s is %s', (hash, kind) => {
    expect(hashKind(hash)).toBe(kind);
  });

  it('agrees with what qetag and etagV2 produce', () => {
    expect(hashKind(qetag(Buffer.from('x')))).toBe('v1-single');
    expect(hashKind(qetag(Buffer.alloc(QETAG_BLOCK + 1)))).toBe('v1-multi');
    expect(hashKind(etagV2(fakeData(MiB), [MiB / 2, MiB / 2]))).toBe('etag-v2');
    expect(isPlainQetag(etagV2(fakeData(MiB), [MiB / 2, MiB / 2]))).toBe(false);
    expect(isPlainQetag(etagV2(fakeData(9 * MiB), [4 * MiB, 4 * MiB, MiB]))).toBe(true);
  });
});

describe('EtagV2Hasher (streaming etag v2, protocol §7 vectors)', () => {
  it.each([
    ['hello|world', Buffer.from('helloworld'), [5, 5], 'ns56DcSIfBFUENXjdhsJTIvl3Rcu'],
    ['512K|512K', fakeData(MiB), [MiB / 2, MiB / 2], 'nlF4JinKEDBChmFGYbEIsZt6Gxnw'],
    ['512K|8M', fakeData(MiB / 2 + 8 * MiB), [MiB / 2, 8 * MiB], 'nt82yvMNHlNgZ4H8_A_4de84mr2f'],
    ['4M|4M|1M equals qetag', fakeData(9 * MiB), [4 * MiB, 4 * MiB, MiB], 'ljgVjMtyMsOgIySv79U8Qz4TrUO4'],
  ])('%s, fed in odd chunks', (_name, data, parts, expected) => {
    for (const chunk of [1, 3, 65_536, 1_000_003]) {
      if (chunk < 100 && data.length > 100) continue;
      const hasher = new EtagV2Hasher(parts);
      for (let off = 0; off < data.length; off += chunk) hasher.update(data.subarray(off, off + chunk));
      expect(hasher.digest()).toBe(expected);
      expect(hasher.qetag()).toBe(qetag(data));
    }
  });

  it('refuses bytes that do not add up to the parts', () => {
    const hasher = new EtagV2Hasher([5, 5]);
    hasher.update(Buffer.from('hello'));
    expect(() => hasher.digest()).toThrow(RangeError);
    const over = new EtagV2Hasher([5, 5]);
    over.update(Buffer.from('helloworld!'));
    expect(() => over.digest()).toThrow(RangeError);
  });
});

describe('ContentChecker', () => {
  const check = (object: ConstructorParameters<typeof ContentChecker>[0], data: Buffer) => {
    const checker = new ContentChecker(object);
    checker.update(data);
    return checker.finish();
  };

  it('verifies v1 by qetag and etag v2 over the listed parts', () => {
    expect(check({ hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN', fsize: 5 }, Buffer.from('hello'))).toMatchObject({ ok: true, verifiedBy: 'qetag', kind: 'v1-single' });
    expect(check({ hash: 'Fqr0xh3cxeii2r7eDztILNmuqUNN', fsize: 5 }, Buffer.from('hellO'))).toMatchObject({ ok: false, verifiedBy: 'qetag' });
    const v2 = { hash: 'ns56DcSIfBFUENXjdhsJTIvl3Rcu', fsize: 10, parts: [5, 5] };
    expect(check(v2, Buffer.from('helloworld'))).toMatchObject({ ok: true, verifiedBy: 'etag-v2', localQetag: qetag(Buffer.from('helloworld')) });
    expect(check(v2, Buffer.from('hellOworld'))).toMatchObject({ ok: false, verifiedBy: 'etag-v2' });
  });

  it('checks an opaque hash by MD5 when listed, else by size only', () => {
    const md5 = '5d41402abc4b2a76b9719d911017c592';
    expect(check({ hash: 'opaque-hash', fsize: 5, md5 }, Buffer.from('hello'))).toMatchObject({ ok: true, verifiedBy: 'md5', kind: 'opaque' });
    expect(check({ hash: 'opaque-hash', fsize: 5, md5 }, Buffer.from('hellO'))).toMatchObject({ ok: false, verifiedBy: 'md5' });
    expect(check({ hash: 'opaque-hash', fsize: 5 }, Buffer.from('hellO'))).toMatchObject({ ok: true, verifiedBy: 'size' });
    // an etag v2 listed without its parts cannot be reproduced either
    expect(check({ hash: 'ns56DcSIfBFUENXjdhsJTIvl3Rcu', fsize: 10 }, Buffer.from('helloworld'))).toMatchObject({ ok: true, verifiedBy: 'size', kind: 'etag-v2' });
  });
});
