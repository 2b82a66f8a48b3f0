import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../observability/logger.ts';
import { openRuntime } from '../../server/runtime.ts';
import { seedDemo } from '../../server/seeding.ts';
import { printSeedReport } from './banner.ts';

export async function seedCommand(): Promise<number> {
  const { config } = loadConfig();
  const runtime = await openRuntime(config, createLogger({ level: 'warn', pretty: config.log.pretty }));
  try {
    const issuer = config.server.issuer ?? `https://localhost:${config.server.port}`;
    printSeedReport(await seedDemo(runtime, issuer));
    return 0;
  } finally {
    await runtime.close();
  }
}
