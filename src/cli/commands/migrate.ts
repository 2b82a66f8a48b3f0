import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../observability/logger.ts';
import { openDatabase } from '../../server/runtime.ts';
import { migrate } from '../../store/migrate.ts';

export async function migrateCommand(): Promise<number> {
  const { config } = loadConfig();
  const logger = createLogger({ level: 'warn', pretty: config.log.pretty });
  const db = await openDatabase(config);
  try {
    const { applied } = await migrate(db, { logger });
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await db.close();
  }
}
