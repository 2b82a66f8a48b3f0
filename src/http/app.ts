// The HTTP entry point: our own paths (health, metrics, login pages, certificate origin) go to
// our Koa application; every other request goes straight to the current oidc-provider instance,
// so protocol endpoints pay for one Koa context, not two. Request metrics are labelled by
// endpoint name, never by raw path, so the label set stays small.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { createSelectionService } from '../oidc/selection.ts';
import { interactionRoutes } from '../interaction/routes.ts';
import { eidRoutes } from '../interaction/eid-routes.ts';
import type { EidService } from '../server/eid.ts';
import type { Queryable } from '../store/database.ts';
import type { KeyValueStore } from '../store/kv.ts';
import { certificateOriginRoutes } from './certificate-origin.ts';
import { demoRoutes } from './demo.ts';
import { errorMiddleware, HttpError } from './errors.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';

const PROVIDER_ROUTES: [RegExp, string][] = [
  [/^\/\.well-known\/openid-configuration$/, 'discovery'],
  [/^\/jwks$/, 'jwks'],
  [/^\/auth$/, 'authorization'],
  [/^\/auth\/[^/]+$/, 'resume'],
  [/^\/request$/, 'pushed_authorization_request'],
  [/^\/token$/, 'token'],
  [/^\/token\/introspection$/, 'introspection'],
  [/^\/token\/revocation$/, 'revocation'],
  [/^\/me$/, 'userinfo'],
  [/^\/session\/end(\/confirm|\/success)?$/, 'end_session'],
];

/** Paths our own application answers; everything else is oidc-provider's. */
const OWN_PATHS = /^\/(?:healthz|readyz|metrics)$|^\/(?:interaction|eid|eid-demo)\//;

function providerRoute(path: string): string {
  for (const [pattern, name] of PROVIDER_ROUTES) if (pattern.test(path)) return name;
  return 'other';
}

function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
  return typeof matched === 'string' ? matched : 'other';
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const SECURITY_HEADERS: [string, string][] = [
  ['strict-transport-security', 'max-age=31536000'],
  ['x-content-type-options', 'nosniff'],
];

/** The server's request listener. */
export function createRequestListener(deps: AppDeps): RequestListener {
  const own = createApp(deps).callback();
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req);
    if (OWN_PATHS.test(path)) return void own(req, res);
    const route = providerRoute(path);
    const method = req.method ?? 'GET';
    const end = deps.metrics.httpDuration.startTimer({ route, method });
    res.once('finish', () => {
      end();
      deps.metrics.httpRequests.inc({ route, method, status: String(res.statusCode) });
    });
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    // oidc-provider is a Koa application itself (docs: "Mounting oidc-provider"); its own
    // error handling answers everything, and errorMiddleware is installed inside it too.
    void deps.host.handler(req, res);
  };
}

export interface AppDeps {
  host: ProviderHost;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  trustProxy: boolean;
  isShuttingDown: () => boolean;
  issuer: string;
  kv: KeyValueStore;
  audit: Queryable;
  eid?: EidService;
  certificateOrigin: () => string;
}

/** Our own routes; requests for anything else never reach it (see createRequestListener). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy;
  // Koa would print errors to stderr itself; ours are logged in errorMiddleware.
  app.silent = true;

  app.use(async (ctx: Context, next: Next) => {
    const end = deps.metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = routeLabel(ctx);
      end({ route, method: ctx.method });
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      deps.metrics.httpRequests.inc({ route, method: ctx.method, status: String(status) });
    }
  });
  app.use(async (ctx, next) => {
    for (const [name, value] of SECURITY_HEADERS) ctx.set(name, value);
    await next();
  });
  app.use(errorMiddleware(deps.logger, deps.metrics));

  const health = healthRoutes({ checks: deps.readiness, metrics: deps.metrics, isShuttingDown: deps.isShuttingDown });
  const interaction = interactionRoutes(deps.host, { eidEnabled: deps.eid !== undefined, selection: createSelectionService({ db: deps.audit }), audit: deps.audit });
  app.use(health.routes());
  app.use(interaction.routes());
  app.use(interaction.allowedMethods());
  if (deps.eid) {
    const eid = deps.eid;
    app.use(eidRoutes({ host: deps.host, eid, kv: deps.kv, audit: deps.audit, logger: deps.logger, certificateOrigin: deps.certificateOrigin }).routes());
    // Behind a TLS proxy the certificate origin's route is served here; the proxy's own host
    // for it is the one that asks for the certificate (see deploy/nginx.conf).
    if (eid.settings.certificateOrigin.mode === 'proxy') {
      app.use(certificateOriginRoutes({ host: deps.host, eid, kv: deps.kv, audit: deps.audit, logger: deps.logger, metrics: deps.metrics, issuer: deps.issuer }).routes());
    }
    if (eid.demo) app.use(demoRoutes(eid.demo).routes());
  }

  app.use(async (ctx) => {
    throw new HttpError(404, 'not_found', 'this page does not exist');
  });
  return app;
}
