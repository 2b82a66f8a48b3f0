// Pages the provider renders itself, from the eta templates in src/views with auto-escaping on
// (a value is raw only where a template says `<%~`, and only our own rendered HTML goes there).
// Pages load nothing from elsewhere, so the Content-Security-Policy can forbid everything but
// our own inline style (hashed) and form posts to ourselves.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import { LANGUAGE_NAMES, LOCALES, LOCALE_COOKIE, LOCALE_SWITCH_PARAM, chooseLocale, type Locale } from '../i18n/locale.ts';
import { t } from '../i18n/messages.ts';

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a}
header{max-width:36rem;margin:1rem auto 0}.languages{list-style:none;margin:0;padding:0;display:flex;gap:1rem;justify-content:flex-end}
.languages a{color:#1f4e8c}.languages [aria-current]{font-weight:600}
main{max-width:36rem;margin:2rem auto 4rem;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.5rem;margin-top:0}h2{font-size:1.15rem}
button,.button{font:inherit;padding:.6rem 1.2rem;border-radius:.3rem;border:1px solid #1f4e8c;background:#1f4e8c;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1f4e8c}
button:focus,.button:focus,a:focus,input:focus{outline:3px solid #f0b400;outline-offset:2px}
fieldset{border:1px solid #767676;border-radius:.3rem;padding:1rem}legend{font-weight:600;padding:0 .3rem}
.choices{list-style:none;margin:0;padding:0}.choices li{display:flex;gap:.6rem;align-items:flex-start;padding:.5rem 0}
.choices input{width:1.2rem;height:1.2rem;margin:.15rem 0 0}.choices label{cursor:pointer}.choices .name{font-weight:600;display:block}
.detail{color:#444;font-size:.95rem}dl.selection dt{font-weight:600}dl.selection dd{margin:0 0 .5rem}
.code{color:#555;font-size:.9rem}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export const PAGE_CSP = `default-src 'none'; style-src ${STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/**
 * The page CSP with the origins a form on the page may end up at. Browsers (Chromium) apply
 * form-action to every redirect a form submission follows, and a login's forms end, through
 * /auth/<uid>, at the client's redirect_uri; a logout's at its post_logout_redirect_uri.
 */
export function pageCsp(formTargets: readonly string[] = []): string {
  const origins = [...new Set(formTargets.map(originOf).filter((o): o is string => o !== undefined))];
  return origins.length ? PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${origins.join(' ')}`) : PAGE_CSP;
}

function originOf(url: string): string | undefined {
  try {
    const { protocol, origin } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? origin : undefined;
  } catch {
    return undefined;
  }
}

/** Lets the page this request answers submit forms that end at `url` (see pageCsp). */
export function allowFormTarget(ctx: Pick<Context, 'state'>, url: unknown): void {
  if (typeof url !== 'string') return;
  const targets: string[] = (ctx.state.formTargets ??= []);
  targets.push(url);
}

const views = new Eta({
  views: fileURLToPath(new URL('../views', import.meta.url)),
  autoEscape: true,
  escapeFunction: escapeHtml,
  cache: true,
  defaultExtension: '.eta',
});

/** One template of src/views rendered with `data` (escaped unless the template says otherwise). */
export function renderView(name: string, data: object): string {
  return views.render(name, data);
}

export interface SwitcherLink {
  locale: Locale;
  name: string;
  href: string;
  current: boolean;
}

/**
 * The language switcher of a page served at `url` (path and query of a GET): the same URL with
 * `lang=<locale>`, so following a link re-renders the same page in that language.
 */
export function switcherLinks(url: string, current: Locale): SwitcherLink[] {
  const target = new URL(url, 'http://page.invalid');
  return LOCALES.map((locale) => {
    target.searchParams.set(LOCALE_SWITCH_PARAM, locale);
    return { locale, name: LANGUAGE_NAMES[locale], href: `${target.pathname}${target.search}`, current: locale === current };
  });
}

export interface PageOptions {
  /** Where the switcher's links point (a GET URL that renders this page); no switcher without one. */
  switchUrl?: string;
}

/** A whole page: `body` must already be escaped HTML (renderView's output is). */
export function page(locale: Locale, title: string, body: string, options: PageOptions = {}): string {
  return renderView('layout', {
    locale,
    title,
    siteTitle: t(locale, 'page.title'),
    style: STYLE,
    switcher: options.switchUrl ? switcherLinks(options.switchUrl, locale) : [],
    switcherLabel: t(locale, 'switcher.label'),
    body,
  });
}

/** Security headers for any HTML answer. */
export function htmlHeaders(formTargets: readonly string[] = []): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': pageCsp(formTargets),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The language of the page answering `ctx`: the switcher's `?lang=` (remembered in a cookie for
 * the next pages), then `ui_locales` in the URL, then the given ui_locales of the authorization
 * request, then the remembered choice, then Accept-Language.
 */
export function pageLocale(ctx: Pick<Context, 'query' | 'cookies' | 'get' | 'secure'>, ...requestUiLocales: (string | undefined)[]): Locale {
  const switched = ctx.query[LOCALE_SWITCH_PARAM];
  const locale = chooseLocale({
    switched: typeof switched === 'string' ? switched : undefined,
    uiLocales: [typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined, ...requestUiLocales],
    cookie: ctx.cookies.get(LOCALE_COOKIE, { signed: false }),
    acceptLanguage: ctx.get('accept-language'),
  });
  if (typeof switched === 'string' && switched === locale) {
    ctx.cookies.set(LOCALE_COOKIE, locale, { signed: false, httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: ONE_YEAR_MS, path: '/', overwrite: true });
  }
  return locale;
}

export interface SendPage {
  locale: Locale;
  title: string;
  /** A template of src/views and its data, or ready (escaped) HTML. */
  view?: string;
  data?: object;
  html?: string;
  status?: number;
  /** See PageOptions.switchUrl; defaults to the request URL for GET requests. */
  switchUrl?: string | null;
}

/** Answers `ctx` with a page under the page CSP. */
export function sendPage(ctx: Context, options: SendPage): void {
  const body = options.html ?? renderView(options.view!, options.data ?? {});
  const switchUrl = options.switchUrl === null ? undefined : (options.switchUrl ?? (ctx.method === 'GET' ? ctx.url : undefined));
  ctx.status = options.status ?? 200;
  for (const [name, value] of Object.entries(htmlHeaders(ctx.state?.formTargets ?? []))) ctx.set(name, value);
  ctx.body = page(options.locale, options.title, body, switchUrl ? { switchUrl } : {});
}

export interface ErrorPage {
  locale: Locale;
  title: string;
  text: string;
  code: string;
  /** Shown under the text when the error's description is safe to show. */
  detail?: string;
  status?: number;
}

/** The error page every part of the service shows (src/http/errors.ts, oidc-provider's renderError). */
export function sendErrorPage(ctx: Context, error: ErrorPage): void {
  sendPage(ctx, {
    locale: error.locale,
    title: error.title,
    view: 'error',
    data: { text: error.text, detail: error.detail, code: error.code, codeLabel: t(error.locale, 'error.code') },
    ...(error.status !== undefined ? { status: error.status } : {}),
  });
}
