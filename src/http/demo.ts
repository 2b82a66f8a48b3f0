// The demo TEST hierarchy's revocation lists, at the URLs its certificates name, so that a
// person or a tool following a demo certificate's CRL distribution point finds it.
import Router from '@koa/router';
import { DEMO_PATH, type DemoPki } from '../eid/demo.ts';

export function demoRoutes(demo: DemoPki): Router {
  const router = new Router({ prefix: DEMO_PATH });
  router.get('/crl/:name', (ctx) => {
    const match = /^(citizen|foreigner)\.crl$/.exec(ctx.params.name ?? '');
    const der = match ? demo.crl(match[1]!) : undefined;
    if (!der) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    ctx.set('content-type', 'application/pkix-crl');
    ctx.set('cache-control', 'max-age=60');
    ctx.body = der;
  });
  return router;
}
