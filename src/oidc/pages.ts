// HTML that oidc-provider renders through our hooks (docs: configuration.md#rendererror,
// #featuresrpinitiatedlogout): the same templates, language choice and CSP as our own pages.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { allowFormTarget, pageLocale, sendErrorPage, sendPage } from '../http/html.ts';
import type { Locale } from '../i18n/locale.ts';
import { t } from '../i18n/messages.ts';

export function localeOf(ctx: KoaContextWithOIDC): Locale {
  const uiLocales = (ctx.oidc?.params?.ui_locales as string | undefined) ?? undefined;
  return pageLocale(ctx, uiLocales);
}

export const renderError: NonNullable<Configuration['renderError']> = async (ctx, out) => {
  const locale = localeOf(ctx);
  const unavailable = out.error === 'temporarily_unavailable';
  // The OAuth error code helps support staff; the description is only shown when the provider
  // marked it safe to expose (it never contains a stack trace).
  sendErrorPage(ctx, {
    locale,
    status: ctx.status,
    title: t(locale, unavailable ? 'unavailable.title' : 'error.title'),
    text: t(locale, unavailable ? 'unavailable.body' : 'error.generic'),
    code: out.error,
    ...(out.error_description ? { detail: out.error_description } : {}),
  });
};

export const logoutSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource'] = async (ctx, form) => {
  const locale = localeOf(ctx);
  // Confirming ends at the client's post_logout_redirect_uri (validated by oidc-provider).
  allowFormTarget(ctx, ctx.oidc.params?.post_logout_redirect_uri);
  // `form` is oidc-provider's own form (action and xsrf token); our buttons submit it.
  sendPage(ctx, {
    locale,
    title: t(locale, 'logout.title'),
    view: 'logout',
    data: { form, question: t(locale, 'logout.question'), confirm: t(locale, 'logout.confirm'), cancel: t(locale, 'logout.cancel') },
  });
};

export const postLogoutSuccessSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource'] = async (ctx) => {
  const locale = localeOf(ctx);
  sendPage(ctx, { locale, title: t(locale, 'logout.title'), view: 'logout-done', data: { text: t(locale, 'logout.done') } });
};
