// The pages of a login, rendered on the server with every value escaped (src/http/html.ts).
import type { Context } from 'koa';
import { escapeHtml, htmlHeaders, page } from '../http/html.ts';
import type { Locale } from '../i18n/locale.ts';
import { t, type MessageKey } from '../i18n/messages.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';

export function render(ctx: Context, locale: Locale, title: string, body: string, status = 200): void {
  ctx.status = status;
  for (const [name, value] of Object.entries(htmlHeaders())) ctx.set(name, value);
  ctx.body = page(locale, title, body);
}

const base = (uid: string) => `${INTERACTION_PATH}/${encodeURIComponent(uid)}`;

function cancelForm(locale: Locale, uid: string, label: MessageKey = 'login.cancel'): string {
  return `<form method="post" action="${base(uid)}/abort"><button type="submit" class="secondary">${escapeHtml(t(locale, label))}</button></form>`;
}

export function renderSessionNotFound(ctx: Context, locale: Locale): void {
  render(ctx, locale, t(locale, 'error.title'), `<p>${escapeHtml(t(locale, 'refused.session'))}</p><p class="code">${escapeHtml(t(locale, 'error.code'))}: session_not_found</p>`, 400);
}

export function renderNoLoginMethod(ctx: Context, locale: Locale, uid: string): void {
  const form = `<form method="post" action="${base(uid)}/abort"><button type="submit" autofocus>${escapeHtml(t(locale, 'login.none.back'))}</button></form>`;
  render(ctx, locale, t(locale, 'login.none.title'), `<p>${escapeHtml(t(locale, 'login.none.body'))}</p>${form}`);
}

export function renderEidLogin(ctx: Context, locale: Locale, uid: string): void {
  const body = `<p>${escapeHtml(t(locale, 'login.eid.intro'))}</p>
<p><a class="button" id="eid-login" href="${base(uid)}/eid" autofocus>${escapeHtml(t(locale, 'login.eid.button'))}</a></p>
<p class="code">${escapeHtml(t(locale, 'login.eid.help'))}</p>
${cancelForm(locale, uid)}`;
  render(ctx, locale, t(locale, 'login.title'), body);
}

/** A refusal: what happened and what to do, a way to try again, and a way back to the application. */
export function renderRefusal(ctx: Context, locale: Locale, uid: string, text: MessageKey, code: string): void {
  const body = `<p role="alert">${escapeHtml(t(locale, text))}</p>
<p><a class="button" href="${base(uid)}" autofocus>${escapeHtml(t(locale, 'refused.retry'))}</a></p>
${cancelForm(locale, uid)}
<p class="code">${escapeHtml(t(locale, 'error.code'))}: ${escapeHtml(code)}</p>`;
  render(ctx, locale, t(locale, 'refused.title'), body);
}
