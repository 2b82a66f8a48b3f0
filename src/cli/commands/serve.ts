import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../observability/logger.ts';
import { startServer } from '../../server/start.ts';
import { DEMO_CLIENT_ID } from '../../directory/seed.ts';
import { printSeedReport } from './banner.ts';

export async function serveCommand(args: string[]): Promise<number> {
  if (args.length) throw new Error(`serve takes no arguments (got ${args.join(' ')}); configure it with environment variables or CAPACITY_IDP_CONFIG`);
  const loaded = loadConfig();
  const logger = createLogger({ level: loaded.config.log.level, pretty: loaded.config.log.pretty });
  const server = await startServer(loaded, { logger });
  const discovery = `${server.issuer}/.well-known/openid-configuration`;
  logger.info({ issuer: server.issuer, discovery, storage: server.runtime.mode, port: server.port }, 'capacity-idp is ready');
  console.log(`\ncapacity-idp is ready\n  issuer:    ${server.issuer}\n  discovery: ${discovery}\n  storage:   ${server.runtime.mode}`);
  if (server.eid) {
    console.log(`  eID login: certificate origin ${server.certificateOriginUrl ?? '(behind the TLS proxy)'}`);
    if (server.eid.demo) {
      const where = server.eid.demo.dir ? `${server.eid.demo.dir}/cards/<person>/authentication.p12` : '(in memory: no files)';
      console.log(`  TEST eID cards to import in a browser: ${where}, password ${server.eid.demo.pkcs12Password}`);
    }
  } else {
    console.log('  eID login: off (no eid.trustAnchors configured)');
  }
  if (server.seeded) printSeedReport(server.seeded);
  else {
    const demo = await server.runtime.db.query<{ client_id: string }>('SELECT client_id FROM applications WHERE client_id = $1', [DEMO_CLIENT_ID]);
    if (demo.rows.length) console.log(`  demo client: ${DEMO_CLIENT_ID}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err: { message: err.message } }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}
