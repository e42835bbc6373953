import { describe, expect, it } from 'vitest';
import { ConfigError, RemoteError } from '../../src/errors.js';
import { remoteErrorFromStatus, remoteErrorFromThrown } from '../../src/remote/classify.js';

describe('ConfigError message', () => {
  it('names file, section and key when there are any, and only what there is', () => {
    const err = new ConfigError([
      { file: '/c.ini', section: 'sync', key: 'direction', message: 'must be down, up or both' },
      { file: '/c.ini', section: 'bucket', key: '', message: 'section is missing' },
      { file: '/c.ini', section: '', key: '', message: 'config file does not exist' },
    ]);
    expect(err.message.split('\n')).toEqual([
      '/c.ini: [sync] direction: must be down, up or both',
      '/c.ini: [bucket] section is missing',
      '/c.ini: config file does not exist',
    ]);
  });
});

describe('remote error classification', () => {
  it.each([
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not-found', false],
    [612, 'not-found', false],
    [614, 'exists', false],
    [631, 'no-bucket', false],
    [500, 'server', true],
    [503, 'server', true],
    [599, 'server', true],
    [573, 'rate-limited', true],
    [400, 'protocol', false],
  ] as const)('HTTP %i is %s (retryable: %s)', (status, kind, retryable) => {
    const err = remoteErrorFromStatus('stat a', status, { error: 'x' });
    expect(err).toMatchObject({ kind, status, retryable });
  });

  it('keeps the first line of urllib network errors, without its socket diagnostics', () => {
    const thrown = Object.assign(
      new Error('getaddrinfo ENOTFOUND rsf-z0.qbox.me, POST https://rsf-z0.qbox.me/list?bucket=b -1 (connected: false, keepalive socket: false)\nheaders: {}'),
      { code: 'ENOTFOUND' },
    );
    const err = remoteErrorFromThrown('list', thrown);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.message).toBe('list: ENOTFOUND getaddrinfo ENOTFOUND rsf-z0.qbox.me, POST https://rsf-z0.qbox.me/list?bucket=b');
    expect(err.retryable).toBe(true);
  });

  it('urllib timeouts carry their name as the code', () => {
    const thrown = Object.assign(new Error('Response timeout for 10000ms, GET http://127.0.0.1:1/list -1 (connected: true, keepalive socket: false)'), {
      name: 'ResponseTimeoutError',
    });
    expect(remoteErrorFromThrown('list', thrown).message).toBe('list: ResponseTimeoutError Response timeout for 10000ms, GET http://127.0.0.1:1/list');
  });

  it('a file-system error (EACCES on the file to upload) is handed back as it is: no retry fixes it', () => {
    const thrown = Object.assign(new Error("EACCES: permission denied, open '/b/known.txt'"), { code: 'EACCES', syscall: 'open', path: '/b/known.txt' });
    expect(remoteErrorFromThrown('upload known.txt', thrown)).toBe(thrown);
  });
});
