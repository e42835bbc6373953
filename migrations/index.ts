import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-upload-sessions.js';
import * as m003 from './003-files-snapshot.js';
import * as m004 from './004-file-checks.js';
import * as m005 from './005-versions.js';

/**
 * Every journal migration, registered statically (no folder scanning) so a bundled or relocated build still finds
 * them. Names sort in the order they apply; a new migration gets the next number and is never edited once released.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '001-initial': m001,
  '002-upload-sessions': m002,
  '003-files-snapshot': m003,
  '004-file-checks': m004,
  '005-versions': m005,
});

/** Hands kysely's `Migrator` a fixed set of migrations. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly all: Readonly<Record<string, Migration>> = migrations) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.all };
  }
}
