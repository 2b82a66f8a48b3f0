// HTML that oidc-provider renders through our hooks (docs: configuration.md#rendererror,
// #featuresrpinitiatedlogout): same look, language and CSP as our own pages.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, htmlHeaders, page } from '../http/html.ts';
import { negotiateLocale, type Locale } from '../i18n/locale.ts';
import { t } from '../i18n/messages.ts';

export function localeOf(ctx: KoaContextWithOIDC): Locale {
  const uiLocales = (ctx.oidc?.params?.ui_locales as string | undefined) ?? undefined;
  return negotiateLocale(uiLocales, ctx.get('accept-language'));
}

function setHtml(ctx: KoaContextWithOIDC, html: string): void {
  for (const [name, value] of Object.entries(htmlHeaders())) ctx.set(name, value);
  ctx.body = html;
}

export const renderError: NonNullable<Configuration['renderError']> = async (ctx, out) => {
  const locale = localeOf(ctx);
  const unavailable = out.error === 'temporarily_unavailable';
  const title = t(locale, unavailable ? 'unavailable.title' : 'error.title');
  const text = t(locale, unavailable ? 'unavailable.body' : 'error.generic');
  // The OAuth error code helps support staff; the description is only shown when the provider
  // marked it safe to expose (it never contains a stack trace).
  const detail = out.error_description ? `<p class="code">${escapeHtml(out.error_description)}</p>` : '';
  setHtml(ctx, page(locale, title, `<p>${escapeHtml(text)}</p>${detail}<p class="code">${escapeHtml(t(locale, 'error.code'))}: ${escapeHtml(out.error)}</p>`));
};

export const logoutSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource'] = async (ctx, form) => {
  const locale = localeOf(ctx);
  // `form` is oidc-provider's own form (action and xsrf token); our buttons submit it.
  const body = `${form}
<p>${escapeHtml(t(locale, 'logout.question'))}</p>
<p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${escapeHtml(t(locale, 'logout.confirm'))}</button>
<button type="submit" form="op.logoutForm" class="secondary">${escapeHtml(t(locale, 'logout.cancel'))}</button></p>`;
  setHtml(ctx, page(locale, t(locale, 'logout.title'), body));
};

export const postLogoutSuccessSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource'] = async (ctx) => {
  const locale = localeOf(ctx);
  setHtml(ctx, page(locale, t(locale, 'logout.title'), `<p>${escapeHtml(t(locale, 'logout.done'))}</p>`));
};
