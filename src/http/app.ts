// The HTTP application: our own routes (health, metrics, interaction pages) first, then every
// other request handed to the current oidc-provider instance. Request metrics are labelled by
// endpoint name, never by raw path, so the label set stays small.
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
import { errorMiddleware } from './errors.ts';
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

function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
  if (typeof matched === 'string') return matched;
  for (const [pattern, name] of PROVIDER_ROUTES) if (pattern.test(ctx.path)) return name;
  return 'other';
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
    ctx.set('strict-transport-security', 'max-age=31536000');
    ctx.set('x-content-type-options', 'nosniff');
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
    // oidc-provider is a Koa application itself; it answers everything else (docs: "Mounting
    // oidc-provider"). It reads the raw request, so nothing above consumes the body.
    ctx.respond = false;
    await deps.host.handler(ctx.req, ctx.res);
  });
  return app;
}
