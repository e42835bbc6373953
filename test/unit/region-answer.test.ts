import { describe, expect, it } from 'vitest';
import {
  isIncorrectRegion,
  parseRegionAnswer,
  regionExpiresAt,
  regionOfIncorrectRegion,
  regionQuestion,
  wrongRegionAdvice,
} from '../../src/core/region-answer.js';

/** The shape of a real /v4/query answer (shared/qiniu-protocol.md §8.3), for a bucket in z2. */
const ANSWER = {
  hosts: [
    {
      region: 'z2',
      ttl: 86400,
      up: { domains: ['upload-z2.qiniup.com', 'up-z2.qiniup.com'], old: [] },
      io: { domains: ['iovip-z2.qiniuio.com'] },
      io_src: { domains: ['my-bucket.kodo-cn-south-1.qiniucs.com'] },
      rs: { domains: ['rs-z2.qiniuapi.com'] },
      rsf: { domains: ['rsf-z2.qiniuapi.com'] },
      api: { domains: ['api-z2.qiniuapi.com'] },
      uc: { domains: ['uc.qiniuapi.com'] },
      s3: { domains: ['s3.cn-south-1.qiniucs.com'], region_alias: 'cn-south-1' },
    },
  ],
};

describe('parseRegionAnswer', () => {
  it('takes the first region: its id, every service\'s hosts, the source domain and the ttl', () => {
    expect(parseRegionAnswer(ANSWER)).toEqual({
      regionId: 'z2',
      up: ['upload-z2.qiniup.com', 'up-z2.qiniup.com'],
      io: ['iovip-z2.qiniuio.com'],
      ioSrc: ['my-bucket.kodo-cn-south-1.qiniucs.com'],
      rs: ['rs-z2.qiniuapi.com'],
      rsf: ['rsf-z2.qiniuapi.com'],
      api: ['api-z2.qiniuapi.com'],
      uc: ['uc.qiniuapi.com'],
      ttlSeconds: 86400,
    });
  });

  it.each(['up', 'io', 'io_src', 'rs', 'rsf', 'api', 'uc'])('an answer without %s is refused, naming it', (service) => {
    const region = { ...ANSWER.hosts[0], [service]: { domains: [] } };
    expect(parseRegionAnswer({ hosts: [region] })).toEqual({ error: `the answer names no host for ${service}` });
  });

  it('refuses what is not an answer, and hosts that are not host names', () => {
    expect(parseRegionAnswer(null)).toEqual({ error: 'the answer names no region (no "hosts")' });
    expect(parseRegionAnswer({ hosts: [] })).toEqual({ error: 'the answer names no region (no "hosts")' });
    const region = { ...ANSWER.hosts[0], rs: { domains: ['http://evil/path'] } };
    expect(parseRegionAnswer({ hosts: [region] })).toEqual({ error: 'the answer names no host for rs' });
  });

  it('a missing or odd ttl counts as an hour; none is kept longer than a week; an odd region id is "unknown"', () => {
    const at = (fields: Record<string, unknown>) => parseRegionAnswer({ hosts: [{ ...ANSWER.hosts[0], ...fields }] });
    expect(at({ ttl: undefined })).toMatchObject({ ttlSeconds: 3600 });
    expect(at({ ttl: -5 })).toMatchObject({ ttlSeconds: 3600 });
    expect(at({ ttl: 10 ** 9 })).toMatchObject({ ttlSeconds: 7 * 86400 });
    expect(at({ region: 'Z2 !' })).toMatchObject({ regionId: 'unknown' });
  });
});

describe('region cache freshness', () => {
  it('an answer is fresh for its ttl from when it was fetched', () => {
    const hosts = parseRegionAnswer(ANSWER);
    if ('error' in hosts) throw new Error(hosts.error);
    expect(regionExpiresAt(1_000, hosts)).toBe(1_000 + 86_400_000);
  });

  it('the question names the query host and the access key (another of either is another answer)', () => {
    expect(regionQuestion('https://uc.qiniuapi.com', 'AK1')).toBe('https://uc.qiniuapi.com AK1');
    expect(regionQuestion('https://uc.qiniuapi.com', 'AK1')).not.toBe(regionQuestion('https://uc.qiniuapi.com', 'AK2'));
    expect(regionQuestion('http://127.0.0.1:9000', 'AK1')).not.toBe(regionQuestion('https://uc.qiniuapi.com', 'AK1'));
  });
});

describe('the "incorrect region" answer', () => {
  it('is a 400 with that text', () => {
    expect(isIncorrectRegion(400, 'incorrect region, please use up-z2.qiniup.com')).toBe(true);
    expect(isIncorrectRegion(400, 'invalid argument')).toBe(false);
    expect(isIncorrectRegion(631, 'incorrect region')).toBe(false);
  });

  it('names the region by its upload host (z0\'s has no suffix)', () => {
    expect(regionOfIncorrectRegion('incorrect region, please use up-z2.qiniup.com')).toBe('z2');
    expect(regionOfIncorrectRegion('incorrect region, please use up-cn-east-2.qiniup.com')).toBe('cn-east-2');
    expect(regionOfIncorrectRegion('incorrect region, please use up.qiniup.com')).toBe('z0');
    expect(regionOfIncorrectRegion('incorrect region, please use https://upload-na0.qiniup.com')).toBe('na0');
    expect(regionOfIncorrectRegion('no such bucket')).toBeNull();
  });

  it('advice: which region the bucket is in and what to write where', () => {
    const file = '/home/me/config.ini';
    expect(wrongRegionAdvice({ bucket: 'b', configured: 'z0', actual: 'z2', configFile: file })).toBe(
      'bucket "b" is in region z2, not z0: set "region = z2" (or "region = auto") in [bucket] of /home/me/config.ini',
    );
    expect(wrongRegionAdvice({ bucket: 'b', configured: 'z0', actual: null, configFile: file })).toBe(
      'bucket "b" is in another region, not z0: set "region = auto" in [bucket] of /home/me/config.ini',
    );
    expect(wrongRegionAdvice({ bucket: 'b', configured: 'endpoints', actual: 'z2', configFile: file })).toBe(
      'bucket "b" is in region z2, not the region [endpoints] points at: point [endpoints] at region z2\'s hosts, or keep only "uc" in [endpoints] and set "region = auto" in [bucket] of /home/me/config.ini',
    );
  });
});
