import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MemoryStore } from './store.js';
import type { ObjectRecord } from './types.js';

type Meta = Omit<ObjectRecord, 'data'>;
type IndexLine = { put: Meta } | { del: string };

/**
 * A MemoryStore that writes through to `dataDir` so a restart keeps the bucket:
 * `objects/<sha1(key)>` holds each object's bytes (any key is a safe file name that way) and `index.jsonl` is an
 * append-only log of metadata puts and deletes, replayed and compacted on open.
 */
export class DirStore extends MemoryStore {
  private readonly objectsDir: string;
  private readonly indexPath: string;

  constructor(dataDir: string) {
    super();
    this.objectsDir = path.join(dataDir, 'objects');
    this.indexPath = path.join(dataDir, 'index.jsonl');
    fs.mkdirSync(this.objectsDir, { recursive: true });
    this.load();
  }

  override put(record: ObjectRecord): void {
    this.persist(record);
    super.put(record);
  }

  override putMany(records: Iterable<ObjectRecord>): void {
    const list = [...records];
    for (const record of list) this.persist(record);
    super.putMany(list);
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    fs.appendFileSync(this.indexPath, `${JSON.stringify({ del: key } satisfies IndexLine)}\n`);
    fs.rmSync(this.dataPath(key), { force: true });
    return true;
  }

  override clear(): void {
    super.clear();
    fs.rmSync(this.objectsDir, { recursive: true, force: true });
    fs.mkdirSync(this.objectsDir, { recursive: true });
    fs.writeFileSync(this.indexPath, '');
  }

  private persist(record: ObjectRecord): void {
    // A metadata-only change (chgm, chtype, …) keeps the same Buffer: no need to rewrite the bytes.
    if (this.get(record.key)?.data !== record.data) writeAtomic(this.dataPath(record.key), record.data);
    fs.appendFileSync(this.indexPath, `${JSON.stringify({ put: metaOf(record) } satisfies IndexLine)}\n`);
  }

  private dataPath(key: string): string {
    return path.join(this.objectsDir, createHash('sha1').update(key).digest('hex'));
  }

  private load(): void {
    const metas = new Map<string, Meta>();
    let text = '';
    try {
      text = fs.readFileSync(this.indexPath, 'utf8');
    } catch {
      // a new data dir
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let entry: IndexLine;
      try {
        entry = JSON.parse(line) as IndexLine;
      } catch {
        continue; // a line torn by a crash mid-append
      }
      if ('put' in entry) metas.set(entry.put.key, entry.put);
      else metas.delete(entry.del);
    }
    const records: ObjectRecord[] = [];
    for (const meta of metas.values()) {
      try {
        records.push({ ...meta, data: fs.readFileSync(this.dataPath(meta.key)) });
      } catch {
        // bytes lost: drop the entry rather than serve something that does not match its hash
      }
    }
    super.putMany(records);
    const compacted = records.map((r) => `${JSON.stringify({ put: metaOf(r) } satisfies IndexLine)}\n`).join('');
    writeAtomic(this.indexPath, compacted);
  }
}

function metaOf(record: ObjectRecord): Meta {
  const { data: _data, ...meta } = record;
  return meta;
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
