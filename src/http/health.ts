// Liveness says the process answers; readiness says it can serve logins now (its storage
// answers) and is not shutting down, so a load balancer stops sending it traffic otherwise.
import Router from '@koa/router';
import type { Metrics } from '../observability/metrics.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(options: { checks: ReadinessCheck[]; metrics: Metrics; isShuttingDown: () => boolean }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 1500);
          return [name, 'ok'] as const;
        } catch (err) {
          // Storage errors wrap the driver's own; its message says what is wrong (refused, timeout).
          const e = err as Error & { cause?: unknown };
          const reason = e.cause instanceof Error ? e.cause.message : e.message;
          return [name, `unavailable: ${reason}`] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const shuttingDown = options.isShuttingDown();
    const ready = !shuttingDown && results.every(([, r]) => r === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: ready ? 'ready' : shuttingDown ? 'shutting down' : 'not ready', checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('content-type', options.metrics.registry.contentType);
    ctx.body = await options.metrics.registry.metrics();
  });
  return router;
}
