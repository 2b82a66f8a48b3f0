// The HTTP application: our own routes (health, metrics, interaction pages) first, then every
// other request handed to the current oidc-provider instance. Request metrics are labelled by
// endpoint name, never by raw path, so the label set stays small.
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { interactionRoutes } from '../interaction/routes.ts';
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
  const interaction = interactionRoutes(deps.host);
  app.use(health.routes());
  app.use(interaction.routes());
  app.use(interaction.allowedMethods());

  app.use(async (ctx) => {
    // oidc-provider is a Koa application itself; it answers everything else (docs: "Mounting
    // oidc-provider"). It reads the raw request, so nothing above consumes the body.
    ctx.respond = false;
    await deps.host.handler(ctx.req, ctx.res);
  });
  return app;
}
