import type { Bucket } from '../state/bucket.js';
import { checkKey } from '../state/object-key.js';
import { decodeBase64UrlText, decodeKeyEntry, percentDecode } from './encoding.js';
import { KodoError, invalidArgument } from '../state/kodo-error.js';
import { changeMimeAndMeta, changeStatus, changeType, deleteObject, existingObject, moveOrCopyObject } from '../state/object-ops.js';
import type { ObjectRecord } from '../state/types.js';

/** The outcome of one rs operation, as a batch reports it: `{code, data?}`. */
export interface OpResult {
  code: number;
  data?: unknown;
}

export const RS_OPS = ['stat', 'move', 'copy', 'delete', 'chgm', 'chtype', 'chstatus', 'deleteAfterDays'] as const;
export type RsOp = (typeof RS_OPS)[number];

/** stat's answer for a record (shared/qiniu-protocol.md §4). */
export function statOf(record: ObjectRecord, needParts = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    fsize: record.fsize,
    hash: record.hash,
    mimeType: record.mimeType,
    putTime: record.putTime,
    type: record.type,
  };
  if (record.md5) out.md5 = record.md5;
  if (record.endUser) out.endUser = record.endUser;
  if (record.status) out.status = record.status;
  if (record.meta) out['x-qn-meta'] = record.meta;
  if (needParts && record.parts) out.parts = record.parts;
  return out;
}

/**
 * Runs one rs operation given as its path (`/stat/<entry>`, `/move/<src>/<dst>/force/true`, …). Never throws:
 * failures come back as `{code, data: {error}}`, which is what both the single-op routes and `/batch` need.
 */
export function runOp(bucket: Bucket, opPath: string, needParts = false): OpResult {
  try {
    return execute(bucket, opPath.split('/').slice(1).map(percentDecode), needParts);
  } catch (err) {
    if (err instanceof KodoError) return { code: err.status, data: { error: err.message } };
    throw err;
  }
}

function execute(bucket: Bucket, segments: string[], needParts: boolean): OpResult {
  const [op, entry, ...rest] = segments;
  switch (op as RsOp) {
    case 'stat': {
      const record = existingObject(bucket, decodeKeyEntry(entry, bucket.name));
      return { code: 200, data: statOf(record, needParts) };
    }
    case 'move':
    case 'copy': {
      const from = decodeKeyEntry(entry, bucket.name);
      const to = decodeKeyEntry(rest[0], bucket.name);
      checkKey(to);
      moveOrCopyObject(bucket, op as 'move' | 'copy', from, to, options(rest.slice(1)).force === 'true');
      return { code: 200 };
    }
    case 'delete':
      deleteObject(bucket, decodeKeyEntry(entry, bucket.name));
      return { code: 200 };
    case 'chgm': {
      const key = decodeKeyEntry(entry, bucket.name);
      const opts = options(rest);
      const record = existingObject(bucket, key);
      let mimeType: string | undefined;
      if (opts.mime !== undefined) {
        mimeType = decodeBase64UrlText(opts.mime);
        if (!mimeType) throw invalidArgument('invalid mime type');
      }
      const meta: Record<string, string> = {};
      for (const [name, value] of Object.entries(opts)) {
        if (name.startsWith('x-qn-meta-')) meta[name.slice('x-qn-meta-'.length)] = decodeBase64UrlText(value);
      }
      changeMimeAndMeta(bucket, record, mimeType, meta);
      return { code: 200 };
    }
    case 'chtype': {
      const key = decodeKeyEntry(entry, bucket.name);
      const type = Number(options(rest).type);
      if (!Number.isInteger(type) || type < 0 || type > 5) throw invalidArgument('invalid type');
      changeType(bucket, key, type);
      return { code: 200 };
    }
    case 'chstatus': {
      const key = decodeKeyEntry(entry, bucket.name);
      const status = Number(options(rest).status);
      if (status !== 0 && status !== 1) throw invalidArgument('invalid status');
      changeStatus(bucket, key, status);
      return { code: 200 };
    }
    case 'deleteAfterDays': {
      const key = decodeKeyEntry(entry, bucket.name);
      if (!/^\d+$/.test(rest[0] ?? '')) throw invalidArgument('invalid days');
      existingObject(bucket, key);
      return { code: 200 };
    }
    default:
      throw invalidArgument('unknown operation');
  }
}

/** `/name/value/name/value…` → record. */
function options(segments: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < segments.length; i += 2) out[segments[i]] = segments[i + 1];
  return out;
}
