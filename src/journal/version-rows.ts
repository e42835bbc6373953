import type BetterSqlite3 from 'better-sqlite3';
import type { VersionEnd, VersionLocation, VersionOrigin, VersionRecord } from '../core/versions.js';
import type { VersionStats } from './journal.js';

/** The `versions` table (migration 005) on prepared statements: every write of `files` changes it in the same transaction. */

const COLUMNS = 'id, key, hash, fsize, put_time, since_at, since_run, until_at, until_run, origin, location, trash_key';

interface VersionRow {
  id: number;
  key: string;
  hash: string;
  fsize: number;
  put_time: number;
  since_at: number;
  since_run: number;
  until_at: number | null;
  until_run: number | null;
  origin: string | null;
  location: string;
  trash_key: string | null;
}

export function toVersion(r: VersionRow): VersionRecord {
  return {
    id: r.id,
    key: r.key,
    hash: r.hash,
    fsize: r.fsize,
    putTime: r.put_time,
    sinceAt: r.since_at,
    sinceRun: r.since_run,
    untilAt: r.until_at,
    untilRun: r.until_run,
    origin: r.origin as VersionOrigin | null,
    location: r.location as VersionLocation,
    trashKey: r.trash_key,
  };
}

export type VersionStatements = ReturnType<typeof prepareVersionStatements>;

export function prepareVersionStatements(sqlite: BetterSqlite3.Database) {
  const current = sqlite.prepare<[string], VersionRow>(`select ${COLUMNS} from versions where key = ? and until_at is null`);
  const end = sqlite.prepare<{ id: number; until_at: number; until_run: number; origin: string; location: string; trash_key: string | null }>(
    `update versions set until_at = @until_at, until_run = @until_run, origin = @origin, location = @location, trash_key = @trash_key
     where id = @id`,
  );
  const insert = sqlite.prepare<{
    key: string;
    hash: string;
    fsize: number;
    put_time: bigint;
    since_at: number;
    since_run: number;
    until_at: number | null;
    until_run: number | null;
    origin: string | null;
    location: string;
    trash_key: string | null;
  }>(
    `insert into versions (key, hash, fsize, put_time, since_at, since_run, until_at, until_run, origin, location, trash_key)
     values (@key, @hash, @fsize, @put_time, @since_at, @since_run, @until_at, @until_run, @origin, @location, @trash_key)`,
  );
  return {
    current,
    /**
     * The key's bytes are now `next` (null: the key is gone), observed at `at` in run `runId`. Same hash: nothing changes.
     * Call inside a transaction with the `files` write.
     */
    transition(key: string, next: { hash: string; fsize: number; putTime: number } | null, at: number, runId: number, ended: VersionEnd | undefined): void {
      const cur = current.get(key);
      if (cur && next && cur.hash === next.hash) return;
      if (cur) {
        const how = ended ?? { origin: 'lost', location: 'gone' };
        end.run({ id: cur.id, until_at: at, until_run: runId, origin: how.origin, location: how.location, trash_key: how.trashKey ?? null });
      }
      if (next) {
        insert.run({
          key,
          hash: next.hash,
          fsize: next.fsize,
          put_time: BigInt(Math.trunc(next.putTime)),
          since_at: at,
          since_run: runId,
          until_at: null,
          until_run: null,
          origin: null,
          location: 'root',
          trash_key: null,
        });
      }
    },
    keep(v: Omit<VersionRecord, 'id'>): void {
      insert.run({
        key: v.key,
        hash: v.hash,
        fsize: v.fsize,
        put_time: BigInt(Math.trunc(v.putTime)),
        since_at: v.sinceAt,
        since_run: v.sinceRun,
        until_at: v.untilAt,
        until_run: v.untilRun,
        origin: v.origin,
        location: v.location,
        trash_key: v.trashKey,
      });
    },
    list: sqlite.prepare<[string], VersionRow>(`select ${COLUMNS} from versions where key = ? order by since_at desc, id desc`),
    // The caller filters by prefix (exact in UTF-16, unlike SQLite's character-counting substr).
    at: sqlite.prepare<[number, number], VersionRow>(
      `select ${COLUMNS} from versions where since_at <= ? and (until_at is null or until_at > ?) order by key, id`,
    ),
    withHash: sqlite.prepare<[string], VersionRow>(`select ${COLUMNS} from versions where hash = ?`),
    holdingBytes: sqlite.prepare<[number], VersionRow>(
      `select ${COLUMNS} from versions where until_at is not null and location in ('store', 'bucket-trash', 'pruning')
         and (until_at <= ? or location = 'pruning')`,
    ),
    setLocation: sqlite.prepare<[string, number]>('update versions set location = ? where id = ?'),
    endedBy: sqlite.prepare<[number], { n: number }>('select count(*) as n from versions where until_run = ?'),
    flag: sqlite.prepare<[number]>('update runs set guard_flagged = 1 where id = ?'),
    flagged: sqlite.prepare<[], { id: number }>('select id from runs where guard_flagged = 1 order by id'),
    stats(): VersionStats {
      const total = sqlite.prepare<[], { n: number }>('select count(*) as n from versions').get()!.n;
      const store = sqlite
        .prepare<[], { files: number; bytes: number | null; kept: number }>(
          `select count(*) as files, sum(fsize) as bytes, sum(n) as kept from
             (select hash, max(fsize) as fsize, count(*) as n from versions where until_at is not null and location = 'store' group by hash)`,
        )
        .get()!;
      const trash = sqlite
        .prepare<[], { n: number; bytes: number | null }>(
          `select count(*) as n, sum(fsize) as bytes from versions where until_at is not null and location = 'bucket-trash'`,
        )
        .get()!;
      return {
        versions: total,
        kept: (store.kept ?? 0) + trash.n,
        storeFiles: store.files,
        storeBytes: store.bytes ?? 0,
        trashObjects: trash.n,
        trashBytes: trash.bytes ?? 0,
      };
    },
  };
}
