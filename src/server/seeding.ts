// Demo data on first start: embedded mode by default (so `npm start` gives something to log in
// to), elsewhere only when asked. "First start" means the directory has no application yet, so
// an operator's own data is never mixed with the demo.
import { seedDemoData } from '../directory/seed.ts';
import { createResourceServerQueries } from '../oidc/resource-servers.ts';
import type { Runtime } from './runtime.ts';

export type SeedReport = Awaited<ReturnType<typeof seedDemoData>>;

export const DEMO_RESOURCE_SERVER = 'https://primaweb.demo.capacity-idp.test/api';

export async function seedDemo(runtime: Runtime, issuer: string): Promise<SeedReport> {
  const report = await seedDemoData(runtime.db, runtime.secrets, { issuerUrl: issuer });
  await createResourceServerQueries(runtime.db).upsert({
    identifier: DEMO_RESOURCE_SERVER,
    name: 'PrimaWeb API (demo)',
    scopes: ['primaweb:files', 'primaweb:admin'],
    accessTokenFormat: 'jwt',
    accessTokenTtl: null,
    signingAlg: 'ES256',
  });
  return report;
}

export async function seedIfEmpty(runtime: Runtime, issuer: string): Promise<SeedReport | undefined> {
  const setting = runtime.config.seed.demoData;
  const wanted = setting === 'true' || (setting === 'auto' && runtime.mode.startsWith('embedded'));
  if (!wanted) return undefined;
  const { rows } = await runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
  if ((rows[0]?.n ?? 0) > 0) return undefined;
  const report = await seedDemo(runtime, issuer);
  runtime.logger.info('loaded the fictional demo directory');
  return report;
}
