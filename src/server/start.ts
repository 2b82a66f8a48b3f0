// Starts one provider instance: storage, keys, the protocol engine and the HTTP(S) listener.
// Used by `capacity-idp serve` and by the integration tests, which run several instances in one
// process against the same PostgreSQL and Redis.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/load.ts';
import { createRequestListener } from '../http/app.ts';
import { generateSelfSigned, loadTls } from '../http/tls.ts';
import { startCertificateOrigin } from '../http/certificate-origin.ts';
import { createSelectionQueries } from '../directory/selections.ts';
import { prepareDemoPki, setUpEid, type EidService } from './eid.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { watchKeySet } from '../keys/signing-keys.ts';
import { createProviderHost } from './provider-host.ts';
import { seedIfEmpty, type SeedReport } from './seeding.ts';
import { openRuntime, type Runtime } from './runtime.ts';

export interface RunningServer {
  issuer: string;
  port: number;
  runtime: Runtime;
  host: ProviderHost;
  metrics: Metrics;
  seeded?: SeedReport;
  /** The eID login, when trust anchors (or the demo PKI) are configured. */
  eid?: EidService;
  /** Public URL of the direct-mode certificate origin. */
  certificateOriginUrl?: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes pools. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Default metrics (event loop, GC) are per process; tests running several instances turn them off. */
  processMetrics?: boolean;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startServer(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningServer> {
  const { config } = loaded;
  const logger = options.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const metrics = createMetrics({ defaultMetrics: options.processMetrics !== false });
  const tls = await loadTls(config);

  // Listen first so that port 0 resolves to the real port the issuer must name; requests that
  // arrive before the provider is ready get a 503 rather than a refused connection.
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the service is starting' }));
  };
  // While shutting down, every answer closes its connection: a keep-alive client (nginx keeps
  // its upstream connections open) would otherwise hold the process until keepAliveTimeout after
  // its last request finished, and could still send new requests to an instance going away.
  let draining = false;
  const inFlight = new Set<http.ServerResponse>();
  const serve: http.RequestListener = (req, res) => {
    if (draining) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    return handler(req, res);
  };
  // A forwarded client certificate chain (proxy mode) does not fit Node's default 16 KiB of headers.
  const maxHeaderSize = config.eid.certificateOrigin.mode === 'proxy' ? 64 * 1024 : 16 * 1024;
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', maxHeaderSize }, serve)
    : http.createServer({ maxHeaderSize }, serve);
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, config.server.host, config.server.port);
  const issuer = config.server.issuer ?? `${tls ? 'https' : 'http'}://localhost:${port}`;

  let runtime: Runtime | undefined;
  let certificateOrigin: { server: https.Server; url: string } | undefined;
  try {
    const demoPki = prepareDemoPki(config, issuer);
    // A failure is reported where it is awaited (setUpEid), not as an unhandled rejection.
    demoPki?.catch(() => {});
    runtime = await openRuntime(config, logger);
    const { db, secrets } = runtime;
    const seeded = await seedIfEmpty(runtime, issuer);

    const { host, fingerprint } = await createProviderHost(runtime, { issuer, logger, metrics });
    const watcher = watchKeySet({
      db,
      secrets,
      intervalMs: config.keys.refreshIntervalSeconds * 1000,
      current: fingerprint,
      logger,
      onChange(next) {
        if (host.replaceKeys(next.jwks, next.fingerprint)) {
          logger.info({ kids: next.publicJwks.keys.map((k) => k.kid) }, 'signing keys changed; provider reloaded');
        }
      },
    });

    const eid = await setUpEid(runtime, issuer, logger, metrics, demoPki);
    if (eid && eid.settings.certificateOrigin.mode === 'direct') {
      // The certificate origin always speaks TLS itself; behind a plain-HTTP main listener
      // (development) it uses a generated localhost certificate.
      const originTls = tls ?? (await generateSelfSigned(['localhost', '127.0.0.1', '::1']));
      const wanted = eid.settings.certificateOrigin.port ?? (port === 0 || config.server.port === 0 ? 0 : port + 1);
      const started = await startCertificateOrigin(
        { host, eid, kv: runtime.kv, audit: db, logger, metrics, issuer },
        originTls,
        { host: config.server.host, port: wanted },
      );
      certificateOrigin = { server: started.server, url: eid.settings.certificateOrigin.url ?? `https://localhost:${started.port}` };
    }
    const certificateOriginUrl = certificateOrigin?.url ?? eid?.settings.certificateOrigin.url ?? issuer;

    // Selections of grants that expired on their own are removed in the background.
    const selections = createSelectionQueries(db);
    const prune = setInterval(() => {
      selections.pruneExpired().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'could not prune expired selections'));
    }, 3600_000);
    prune.unref();

    let shuttingDown = false;
    const redis = runtime.redis;
    handler = createRequestListener({
      host,
      logger,
      metrics,
      issuer,
      kv: runtime.kv,
      audit: db,
      ...(eid ? { eid } : {}),
      certificateOrigin: () => certificateOriginUrl,
      trustProxy: config.server.trustProxy,
      isShuttingDown: () => shuttingDown,
      readiness: [
        { name: db.kind === 'pglite' ? 'embedded-database' : 'postgres', check: () => db.ping() },
        ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
      ],
    });

    const rt = runtime;
    let closing: Promise<void> | undefined;
    return {
      issuer,
      port,
      runtime: rt,
      host,
      metrics,
      ...(seeded ? { seeded } : {}),
      ...(eid ? { eid } : {}),
      ...(certificateOrigin ? { certificateOriginUrl: certificateOrigin.url } : {}),
      close() {
        closing ??= (async () => {
          shuttingDown = true;
          draining = true;
          for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
          watcher.stop();
          clearInterval(prune);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          if (certificateOrigin) {
            certificateOrigin.server.close();
            certificateOrigin.server.closeAllConnections();
          }
          const grace = setTimeout(() => server.closeAllConnections(), config.server.shutdownGraceSeconds * 1000);
          await closed;
          clearTimeout(grace);
          await rt.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    server.close();
    server.closeAllConnections();
    certificateOrigin?.server.close();
    await runtime?.close().catch(() => {});
    throw err;
  }
}
