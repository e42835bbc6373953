import http from 'node:http';
import https from 'node:https';
import { parseRegionAnswer, type RegionHosts } from '../core/region-answer.js';
import { RemoteError } from '../errors.js';
import { remoteErrorFromStatus, remoteErrorFromThrown } from './classify.js';
import { withRetry } from './retry.js';

/** The whole query (connect and answer) within this; each attempt, retried by the retry table. */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Ask Kodo's region query which hosts serve `bucket`: `GET <queryBase>/v4/query?ak=<AK>&bucket=<bucket>` (no auth).
 * Sent by us, never through the SDK's QueryRegionsProvider, whose failure path can crash the process
 * (shared/qiniu-protocol.md §8.3). Network errors and 5xx are retried per the retry table. Resolves with the parsed
 * hosts and the answer's text (what the journal caches); an answer without the needed hosts is RemoteError('protocol').
 */
export async function queryRegion(queryBase: string, accessKey: string, bucket: string): Promise<{ hosts: RegionHosts; text: string }> {
  const url = `${queryBase.replace(/\/+$/, '')}/v4/query?ak=${encodeURIComponent(accessKey)}&bucket=${encodeURIComponent(bucket)}`;
  const operation = `region query for bucket "${bucket}" at ${queryBase}`;
  return withRetry(async () => {
    const { status, text } = await get(url, operation);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status !== 200) throw remoteErrorFromStatus(operation, status, json ?? text);
    const hosts = parseRegionAnswer(json);
    if ('error' in hosts) throw new RemoteError('protocol', operation, hosts.error, status);
    return { hosts, text };
  });
}

function get(url: string, operation: string): Promise<{ status: number; text: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: { Accept: 'application/json' }, timeout: QUERY_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(remoteErrorFromThrown(operation, err)));
    });
    // The timeout is of idleness; the whole exchange is bounded too.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${QUERY_TIMEOUT_MS / 1000} s`)), QUERY_TIMEOUT_MS);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${QUERY_TIMEOUT_MS / 1000} s`)));
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err) => reject(remoteErrorFromThrown(operation, err)));
  });
}
