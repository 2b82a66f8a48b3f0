// Pages the provider renders itself. Every interpolated value goes through escapeHtml; pages load
// nothing from elsewhere, so the Content-Security-Policy can forbid everything but our own inline
// style (hashed) and form posts to ourselves.
import { createHash } from 'node:crypto';
import type { Locale } from '../i18n/locale.ts';
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
main{max-width:36rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.5rem;margin-top:0}button,.button{font:inherit;padding:.6rem 1.2rem;border-radius:.3rem;border:1px solid #1f4e8c;background:#1f4e8c;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1f4e8c}button:focus,.button:focus,a:focus{outline:3px solid #f0b400;outline-offset:2px}
.code{color:#555;font-size:.9rem}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export const PAGE_CSP = `default-src 'none'; style-src ${STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** `body` must already be escaped HTML. */
export function page(locale: Locale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – ${escapeHtml(t(locale, 'page.title'))}</title>
<style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

/** Security headers for any HTML answer. */
export function htmlHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
