// capacity-idp as `serve` runs it, plain HTTP (TLS_MODE=off) so both sides measure the same work.
// Adds a bench client; prints its port and secret when listening.
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { startServer } from '../src/server/start.ts';
import { createApplicationQueries } from '../src/directory/applications.ts';

const server = await startServer(loadConfig({ ...process.env, PORT: '0', TLS_MODE: 'off', LOG_LEVEL: 'silent', SEED_DEMO_DATA: 'true' }), { logger: silentLogger() });
await createApplicationQueries(server.runtime.db, server.runtime.secrets).upsertApplication({
  clientId: 'bench',
  name: 'Benchmark',
  metadata: { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' },
  clientSecret: 'bench-secret-bench-secret-bench-secret',
  firstParty: true,
});
console.log(JSON.stringify({ port: server.port }));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
