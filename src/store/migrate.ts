// Plain SQL migrations, applied in file-name order, each in its own transaction. Files are
// immutable once applied: their checksum is recorded, and a changed file stops start-up rather
// than leaving instances to disagree about the schema.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import { StorageUnavailableError } from './errors.ts';
import type { Logger } from '../observability/logger.ts';

/** Advisory lock key shared by every instance: "cidp" + 1. */
export const MIGRATION_LOCK_KEY = 0x63696470_01;

export interface Migration {
  /** The numeric prefix, e.g. `0001`. */
  version: string;
  /** The rest of the file name without `.sql`, e.g. `directory`. */
  name: string;
  file: string;
  sql: string;
  /** SHA-256 (hex) of the file with line endings normalised. */
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * The migrations folder: beside the sources it is two levels up from this file; in the compiled
 * layout (dist/src/store) it is three.
 */
export function defaultMigrationsDir(): string {
  const candidates = ['../../migrations', '../../../migrations'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

export function listMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new MigrationError(`migration file ${file} in ${dir} is not named NNNN_name.sql (lower case, digits, underscores)`);
    }
    // A checkout with CRLF line endings must not count as a changed migration.
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const version = match[1]!;
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new MigrationError(`migrations ${previous.file} and ${file} share version ${version}`);
    }
    migrations.push({ version, name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

export async function migrate(db: Database, opts: { logger?: Logger; dir?: string } = {}): Promise<{ applied: string[] }> {
  const dir = opts.dir ?? defaultMigrationsDir();
  const migrations = listMigrations(dir);
  const log = opts.logger;

  return db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (conn) => {
    await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await conn.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const applied = new Map(rows.map((r) => [r.version, r]));

    for (const m of migrations) {
      const done = applied.get(m.version);
      if (!done) continue;
      if (done.checksum !== m.checksum || done.name !== m.name) {
        throw new MigrationError(
          `migration ${m.file} was changed after it was applied (recorded ${done.version}_${done.name}.sql with checksum ${done.checksum}, ` +
            `file now has ${m.checksum}); restore the original file and put the change in a new migration`,
        );
      }
    }
    const known = new Set(migrations.map((m) => m.version));
    for (const row of rows) {
      if (!known.has(row.version)) {
        // A newer release already migrated this database; older instances keep running during
        // a rolling upgrade, so this is worth a warning, not a refusal.
        log?.warn({ version: row.version, name: row.name }, 'database has a migration this release does not know');
      }
    }

    const newlyApplied: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      const started = Date.now();
      // Manual BEGIN/COMMIT on the locked connection: migration files hold several statements,
      // which only the simple-query path (exec) accepts, and that path has no transaction helper.
      await conn.query('BEGIN');
      try {
        await conn.exec(m.sql);
        await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await conn.query('COMMIT');
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => {});
        if (err instanceof StorageUnavailableError) throw err;
        throw new MigrationError(`migration ${m.file} failed and was rolled back: ${(err as Error).message}`, { cause: err });
      }
      newlyApplied.push(m.file);
      log?.info({ migration: m.file, ms: Date.now() - started }, 'applied migration');
    }
    if (newlyApplied.length === 0) log?.debug({ count: migrations.length }, 'database schema is up to date');
    return { applied: newlyApplied };
  });
}
