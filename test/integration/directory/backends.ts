// Runs one suite against embedded PGlite and against a throwaway PostgreSQL database, so the
// directory behaves the same whichever storage an operator picks.
import { connectPostgres, openEmbedded, type Database } from '../../../src/store/database.ts';
import { migrate } from '../../../src/store/migrate.ts';
import { createTestDatabase, describeWith } from '../../support/services.ts';

export interface Backend {
  name: 'PGlite' | 'PostgreSQL';
  /** A fresh, migrated database; close() disposes of it. */
  open(options?: { migrated?: boolean }): Promise<{ db: Database; url?: string; close(): Promise<void> }>;
}

export const pglite: Backend = {
  name: 'PGlite',
  async open(options = {}) {
    const db = await openEmbedded(undefined);
    if (options.migrated !== false) await migrate(db);
    return { db, close: () => db.close() };
  },
};

export const postgres: Backend = {
  name: 'PostgreSQL',
  async open(options = {}) {
    const test = await createTestDatabase('cidp_dir');
    const db = await connectPostgres(test.url, { max: 4 });
    if (options.migrated !== false) await migrate(db);
    return {
      db,
      url: test.url,
      async close() {
        await db.close();
        await test.drop();
      },
    };
  },
};

/** Declares `body` once per backend; PostgreSQL is skipped loudly (or fails under CI) when unreachable. */
export async function describeOnEachBackend(title: string, body: (backend: Backend, db: () => Database) => void): Promise<void> {
  const describePg = await describeWith('postgres');
  for (const [backend, describeFn] of [[pglite, describe], [postgres, describePg]] as const) {
    describeFn(`${title} (${backend.name})`, () => {
      let opened: Awaited<ReturnType<Backend['open']>>;
      beforeAll(async () => {
        opened = await backend.open();
      });
      afterAll(async () => {
        await opened?.close();
      });
      body(backend, () => opened.db);
    });
  }
}
