import { mkdtempSync, rmSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres, openEmbedded, type Database } from '../../src/store/database.ts';
import { listMigrations, migrate, MigrationError } from '../../src/store/migrate.ts';
import { createTestDatabase, describeWith } from '../support/services.ts';

const describePg = await describeWith('postgres');

/** Everything that defines the schema, in a form two servers can be compared by. */
async function schemaOf(db: Database) {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default
     FROM information_schema.columns WHERE table_schema = 'public'
     ORDER BY table_name, column_name`,
  );
  // PostgreSQL 18 (PGlite) also lists NOT NULL as constraints ('n'); nullability is compared above.
  const constraints = await db.query(
    `SELECT cl.relname AS table_name, co.conname, co.contype, pg_get_constraintdef(co.oid) AS definition
     FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
     WHERE ns.nspname = 'public' AND co.contype IN ('p', 'u', 'f', 'c', 'x')
     ORDER BY cl.relname, co.conname`,
  );
  const indexes = await db.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`);
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}

function scratchDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cidp-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('listMigrations', () => {
  it('lists the project migrations in version order, starting with the directory', () => {
    const migrations = listMigrations();
    expect(migrations[0]).toMatchObject({ version: '0001', name: 'directory', file: '0001_directory.sql' });
    const versions = migrations.map((m) => m.version);
    expect([...versions].sort()).toEqual(versions);
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a .sql file that is not named NNNN_name.sql, naming it', () => {
    const dir = scratchDir({ '0001_ok.sql': 'SELECT 1;', '2_bad-name.sql': 'SELECT 1;' });
    try {
      expect(() => listMigrations(dir)).toThrow(/2_bad-name\.sql/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses two files with the same version', () => {
    const dir = scratchDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
    try {
      expect(() => listMigrations(dir)).toThrow(/share version 0001/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('gives CRLF and LF copies of a file the same checksum', () => {
    const lf = scratchDir({ '0001_a.sql': 'CREATE TABLE a (x int);\nSELECT 1;\n' });
    const crlf = scratchDir({ '0001_a.sql': 'CREATE TABLE a (x int);\r\nSELECT 1;\r\n' });
    try {
      expect(listMigrations(crlf)[0]!.checksum).toBe(listMigrations(lf)[0]!.checksum);
    } finally {
      rmSync(lf, { recursive: true });
      rmSync(crlf, { recursive: true });
    }
  });
});

describe('migrate on PGlite', () => {
  let db: Database;
  beforeEach(async () => {
    db = await openEmbedded(undefined);
  });
  afterEach(async () => {
    await db.close();
  });

  it('applies every migration once and records version, name and checksum', async () => {
    const expected = listMigrations();
    const first = await migrate(db);
    expect(first.applied).toEqual(expected.map((m) => m.file));
    const { rows } = await db.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(expected.map((m) => [m.version, m.name, m.checksum]));
    expect(rows.every((r) => r.applied_at instanceof Date)).toBe(true);
  });

  it('is a no-op the second time', async () => {
    await migrate(db);
    const before = await schemaOf(db);
    expect(await migrate(db)).toEqual({ applied: [] });
    expect(await schemaOf(db)).toEqual(before);
  });

  it('applies only the files added since the last run', async () => {
    const dir = scratchDir({ '0001_first.sql': 'CREATE TABLE first_t (id int PRIMARY KEY);' });
    try {
      expect(await migrate(db, { dir })).toEqual({ applied: ['0001_first.sql'] });
      writeFileSync(join(dir, '0002_second.sql'), 'CREATE TABLE second_t (id int PRIMARY KEY);\nINSERT INTO second_t VALUES (1);');
      expect(await migrate(db, { dir })).toEqual({ applied: ['0002_second.sql'] });
      expect((await db.query('SELECT id FROM second_t')).rows).toEqual([{ id: 1 }]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses to start when an applied file was changed, naming the file', async () => {
    const dir = scratchDir({ '0001_first.sql': 'CREATE TABLE first_t (id int PRIMARY KEY);' });
    try {
      await migrate(db, { dir });
      appendFileSync(join(dir, '0001_first.sql'), '\nALTER TABLE first_t ADD COLUMN sneaky text;');
      writeFileSync(join(dir, '0002_second.sql'), 'CREATE TABLE second_t (id int);');
      await expect(migrate(db, { dir })).rejects.toThrow(MigrationError);
      await expect(migrate(db, { dir })).rejects.toThrow(/0001_first\.sql was changed after it was applied/);
      // Nothing after the changed file ran either.
      expect((await db.query(`SELECT to_regclass('second_t') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rolls a failing migration back entirely and names it', async () => {
    const dir = scratchDir({
      '0001_first.sql': 'CREATE TABLE first_t (id int PRIMARY KEY);',
      '0002_broken.sql': 'CREATE TABLE half_t (id int);\nINSERT INTO missing_table VALUES (1);',
    });
    try {
      await expect(migrate(db, { dir })).rejects.toThrow(/0002_broken\.sql failed and was rolled back/);
      const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
      expect(rows).toEqual([{ version: '0001' }]);
      expect((await db.query(`SELECT to_regclass('half_t') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('runs the same on an embedded database persisted on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cidp-pglite-'));
    try {
      const persisted = await openEmbedded(dir);
      await migrate(persisted);
      await persisted.close();
      const reopened = await openEmbedded(dir);
      expect(await migrate(reopened)).toEqual({ applied: [] });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePg('migrate on PostgreSQL', () => {
  let test: { url: string; drop(): Promise<void> };
  beforeEach(async () => {
    test = await createTestDatabase('cidp_mig');
  });
  afterEach(async () => {
    await test.drop();
  });

  it('produces the same schema as on PGlite: columns, types, nullability, constraints and indexes', async () => {
    const pg = await connectPostgres(test.url);
    const lite = await openEmbedded(undefined);
    try {
      await migrate(pg);
      await migrate(lite);
      const [onPg, onLite] = [await schemaOf(pg), await schemaOf(lite)];
      expect(onPg.columns.length).toBeGreaterThan(0);
      expect(onPg.columns).toEqual(onLite.columns);
      expect(onPg.constraints).toEqual(onLite.constraints);
      expect(onPg.indexes).toEqual(onLite.indexes);
    } finally {
      await pg.close();
      await lite.close();
    }
  });

  it('is a no-op the second time', async () => {
    const pg = await connectPostgres(test.url);
    try {
      expect((await migrate(pg)).applied.length).toBe(listMigrations().length);
      expect(await migrate(pg)).toEqual({ applied: [] });
    } finally {
      await pg.close();
    }
  });

  it('lets two instances start together: both succeed and each file is applied once', async () => {
    const a = await connectPostgres(test.url);
    const b = await connectPostgres(test.url);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = listMigrations().map((m) => m.file);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(all);
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, all.length]);
      const { rows } = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(all.length);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses to start when an applied file was changed, naming the file', async () => {
    const dir = scratchDir({ '0001_first.sql': 'CREATE TABLE first_t (id int PRIMARY KEY);' });
    const pg = await connectPostgres(test.url);
    try {
      await migrate(pg, { dir });
      writeFileSync(join(dir, '0001_first.sql'), readFileSync(join(dir, '0001_first.sql'), 'utf8').replace('int', 'bigint'));
      await expect(migrate(pg, { dir })).rejects.toThrow(/0001_first\.sql was changed after it was applied/);
    } finally {
      await pg.close();
      rmSync(dir, { recursive: true });
    }
  });
});
