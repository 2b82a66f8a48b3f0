// The user-facing steps of a login. Until a login method is configured, the interaction page
// says so plainly and lets the person return to the application, which receives
// `access_denied` (OIDC Core 3.1.2.6) rather than waiting forever.
import Router from '@koa/router';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import { escapeHtml, htmlHeaders, page } from '../http/html.ts';
import { negotiateLocale, type Locale } from '../i18n/locale.ts';
import { t } from '../i18n/messages.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { ProviderHost } from '../oidc/host.ts';

function render(ctx: Context, locale: Locale, title: string, body: string, status = 200): void {
  ctx.status = status;
  for (const [name, value] of Object.entries(htmlHeaders())) ctx.set(name, value);
  ctx.body = page(locale, title, body);
}

async function details(host: ProviderHost, ctx: Context) {
  try {
    return await host.current.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) return undefined;
    throw err;
  }
}

export function interactionRoutes(host: ProviderHost): Router {
  const router = new Router({ prefix: INTERACTION_PATH });

  router.get('/:uid', async (ctx) => {
    const interaction = await details(host, ctx);
    const locale = negotiateLocale(interaction?.params.ui_locales as string | undefined, ctx.get('accept-language'));
    if (!interaction || interaction.uid !== ctx.params.uid) {
      render(ctx, locale, t(locale, 'error.title'), `<p>${escapeHtml(t(locale, 'error.generic'))}</p><p class="code">${escapeHtml(t(locale, 'error.code'))}: session_not_found</p>`, 400);
      return;
    }
    const form = `<form method="post" action="${INTERACTION_PATH}/${encodeURIComponent(interaction.uid)}/abort">
<button type="submit" autofocus>${escapeHtml(t(locale, 'login.none.back'))}</button></form>`;
    render(ctx, locale, t(locale, 'login.none.title'), `<p>${escapeHtml(t(locale, 'login.none.body'))}</p>${form}`);
  });

  router.post('/:uid/abort', async (ctx) => {
    const interaction = await details(host, ctx);
    if (!interaction || interaction.uid !== ctx.params.uid) {
      const locale = negotiateLocale(undefined, ctx.get('accept-language'));
      render(ctx, locale, t(locale, 'error.title'), `<p>${escapeHtml(t(locale, 'error.generic'))}</p><p class="code">${escapeHtml(t(locale, 'error.code'))}: session_not_found</p>`, 400);
      return;
    }
    const redirectTo = await host.current.interactionResult(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'no login method is available',
    }, { mergeWithLastSubmission: false });
    ctx.redirect(redirectTo);
  });

  return router;
}
