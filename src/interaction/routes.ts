// The user-facing steps of a login. The login page offers the eID when it is configured;
// otherwise it says plainly that no login method is available and lets the person return to
// the application, which receives `access_denied` (OIDC Core 3.1.2.6) rather than waiting.
import Router from '@koa/router';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { localeFor, loadInteraction } from './load.ts';
import { renderEidLogin, renderNoLoginMethod, renderSessionNotFound } from './pages.ts';

export function interactionRoutes(host: ProviderHost, options: { eidEnabled: boolean }): Router {
  const router = new Router({ prefix: INTERACTION_PATH });

  router.get('/:uid', async (ctx) => {
    const interaction = await loadInteraction(host, ctx);
    const locale = localeFor(ctx, interaction);
    if (!interaction) return renderSessionNotFound(ctx, locale);
    if (options.eidEnabled && interaction.prompt.name === 'login') return renderEidLogin(ctx, locale, interaction.uid);
    return renderNoLoginMethod(ctx, locale, interaction.uid);
  });

  router.post('/:uid/abort', async (ctx) => {
    const interaction = await loadInteraction(host, ctx);
    if (!interaction) return renderSessionNotFound(ctx, localeFor(ctx, undefined));
    const redirectTo = await host.current.interactionResult(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: options.eidEnabled ? 'the person cancelled the login' : 'no login method is available' },
      { mergeWithLastSubmission: false },
    );
    ctx.redirect(redirectTo);
  });

  return router;
}
