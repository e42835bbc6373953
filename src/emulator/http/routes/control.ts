import type { EmulatorState } from '../../state/emulator-state.js';
import type { Exchange, Reply } from '../exchange.js';
import { ok } from '../exchange.js';
import { KodoError, invalidArgument } from '../../state/kodo-error.js';
import type { FaultSpec } from '../../state/types.js';

/**
 * `/_emulator/...`: drive the emulator from another process (bench scripts, manual testing). No auth: it listens on
 * 127.0.0.1 by default.
 *
 *   GET    /_emulator/objects            → [{key, hash, fsize, mimeType, putTime, md5, type}]
 *   GET    /_emulator/object?key=K       → the bytes (404 if missing)
 *   POST   /_emulator/seed               ← {"key": "text" | {"base64": "…"}}
 *   POST   /_emulator/seed-object        ← {"key": K, "text"?: T, "base64"?: B, "parts"?: [sizes], "hash"?: H, "md5"?: false}
 *   POST   /_emulator/reset
 *   POST   /_emulator/delete             ← {"key": K}
 *   POST   /_emulator/rename             ← {"from": K, "to": K2}
 *   POST   /_emulator/corrupt            ← {"key": K}
 *   GET    /_emulator/faults             → active faults
 *   POST   /_emulator/faults             ← FaultSpec | FaultSpec[]
 *   DELETE /_emulator/faults             (clear)
 *   GET    /_emulator/counters           → Counters
 *   DELETE /_emulator/counters           (reset)
 */
export function handleControl(ex: Exchange, core: EmulatorState): Reply {
  const what = `${ex.method} ${ex.rawPath.replace(/\/+$/, '')}`;
  const body = (): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(ex.body.toString('utf8') || '{}');
    } catch {
      throw invalidArgument('invalid json');
    }
    if (!value || typeof value !== 'object') throw invalidArgument('expected a JSON object or array');
    return value as Record<string, unknown>;
  };
  switch (what) {
    case 'GET /_emulator/objects':
      return ok([...core.objects().values()].map(({ data: _data, ...meta }) => meta));
    case 'GET /_emulator/object': {
      const data = core.getObject(ex.query.get('key') ?? '');
      if (!data) throw new KodoError(404, 'Document not found');
      return { status: 200, body: data, headers: { 'Content-Type': 'application/octet-stream' } };
    }
    case 'POST /_emulator/seed': {
      const objects: Record<string, string | Buffer> = {};
      for (const [key, value] of Object.entries(body())) {
        const base64 = (value as { base64?: unknown } | null)?.base64;
        if (typeof value !== 'string' && typeof base64 !== 'string') throw invalidArgument(`seed ${key}: expected a string or {"base64": …}`);
        objects[key] = typeof value === 'string' ? value : Buffer.from(base64 as string, 'base64');
      }
      core.seed(objects);
      return ok({ seeded: Object.keys(objects).length });
    }
    case 'POST /_emulator/seed-object': {
      const { key, text, base64, parts, hash, md5 } = body();
      if (typeof key !== 'string' || (typeof text !== 'string' && typeof base64 !== 'string')) throw invalidArgument('seed-object: expected {"key", "text" | "base64"}');
      if (parts !== undefined && !(Array.isArray(parts) && parts.every((n) => Number.isSafeInteger(n) && n >= 0))) throw invalidArgument('seed-object: parts must be sizes');
      if (hash !== undefined && typeof hash !== 'string') throw invalidArgument('seed-object: hash must be a string');
      try {
        core.seedObject(key, typeof text === 'string' ? text : Buffer.from(base64 as string, 'base64'), {
          parts: parts as number[] | undefined,
          hash: hash as string | undefined,
          md5: md5 === false ? false : undefined,
        });
      } catch (err) {
        throw invalidArgument((err as Error).message);
      }
      return ok({ seeded: 1 });
    }
    case 'POST /_emulator/reset':
      core.reset();
      return ok({});
    case 'POST /_emulator/delete':
      core.deleteObject(String(body().key));
      return ok({});
    case 'POST /_emulator/rename': {
      const { from, to } = body();
      if (!core.bucket.store.has(String(from))) throw new KodoError(612, 'no such file or directory');
      core.renameObject(String(from), String(to));
      return ok({});
    }
    case 'POST /_emulator/corrupt': {
      const key = String(body().key);
      if (!core.bucket.store.has(key)) throw new KodoError(612, 'no such file or directory');
      core.corruptObject(key);
      return ok({});
    }
    case 'GET /_emulator/faults':
      return ok(core.faults.list());
    case 'POST /_emulator/faults': {
      const input = body() as unknown as FaultSpec | FaultSpec[];
      try {
        for (const fault of Array.isArray(input) ? input : [input]) core.faults.add(fault);
      } catch (err) {
        throw invalidArgument((err as Error).message);
      }
      return ok({});
    }
    case 'DELETE /_emulator/faults':
      core.faults.clear();
      return ok({});
    case 'GET /_emulator/counters':
      return ok(core.counters.snapshot());
    case 'DELETE /_emulator/counters':
      core.counters.reset();
      return ok({});
    default:
      throw new KodoError(404, 'no such control route');
  }
}
