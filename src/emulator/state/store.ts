import { lowerBound, sortKeys } from './key-order.js';
import type { ObjectRecord } from './types.js';

/** The bucket's objects. Synchronous on purpose: tests seed and inspect the bucket without awaiting. */
export interface ObjectStore {
  get(key: string): ObjectRecord | undefined;
  has(key: string): boolean;
  readonly size: number;
  /** Insert or replace. */
  put(record: ObjectRecord): void;
  /** Insert or replace many at once (one re-sort instead of one insertion each). */
  putMany(records: Iterable<ObjectRecord>): void;
  delete(key: string): boolean;
  clear(): void;
  /** All keys in UTF-8 byte order. The array is shared: do not modify it. */
  sortedKeys(): readonly string[];
  close(): void;
}

/** Objects in a Map, with a lazily built sorted key index that single inserts and deletes keep up to date. */
export class MemoryStore implements ObjectStore {
  protected readonly map = new Map<string, ObjectRecord>();
  private sorted: string[] | undefined;

  get(key: string): ObjectRecord | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }

  put(record: ObjectRecord): void {
    if (!this.map.has(record.key) && this.sorted) this.sorted.splice(lowerBound(this.sorted, record.key), 0, record.key);
    this.map.set(record.key, record);
  }

  putMany(records: Iterable<ObjectRecord>): void {
    for (const record of records) {
      if (!this.map.has(record.key)) this.sorted = undefined;
      this.map.set(record.key, record);
    }
  }

  delete(key: string): boolean {
    if (!this.map.delete(key)) return false;
    if (this.sorted) this.sorted.splice(lowerBound(this.sorted, key), 1);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.sorted = undefined;
  }

  sortedKeys(): readonly string[] {
    this.sorted ??= sortKeys([...this.map.keys()]);
    return this.sorted;
  }

  close(): void {}
}
