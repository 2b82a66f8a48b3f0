// PrimaWeb's pages, in Dutch, as the application its users know. Every value that comes from
// a token, the provider or the request goes through escapeHtml; the pages load nothing and run
// no script, so the Content-Security-Policy forbids everything but the one hashed style sheet.
import { createHash } from 'node:crypto';

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#eef2f0;color:#1a1a1a}
header{background:#0b5d3b;color:#fff;padding:.8rem 2rem}header p{margin:0;font-weight:600}
main{max-width:44rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.5rem;margin-top:0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{font-weight:600}dd{margin:0}
.notice{border-left:4px solid #b35c00;background:#fff6eb;padding:.8rem 1rem}.ok{border-left:4px solid #0b5d3b;background:#eaf6ef;padding:.8rem 1rem}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:1.5rem}form{margin:0}
button,.button{font:inherit;padding:.6rem 1.2rem;border-radius:.3rem;border:1px solid #0b5d3b;background:#0b5d3b;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b5d3b}button:focus,.button:focus,a:focus{outline:3px solid #f0b400;outline-offset:2px}
.code{color:#555;font-size:.9rem}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * Forms post to PrimaWeb itself; logging out and switching then redirect to the provider, and
 * browsers check form-action on every redirect a form submission follows.
 */
export function contentSecurityPolicy(providerOrigin: string): string {
  return `default-src 'none'; style-src ${STYLE_HASH}; img-src 'none'; form-action 'self' ${providerOrigin}; frame-ancestors 'none'; base-uri 'none'`;
}

/** `body` must already be escaped HTML. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – PrimaWeb</title>
<style>${STYLE}</style></head>
<body><header><p>PrimaWeb</p></header>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

/** A POST form with the session's anti-forgery token and one button. */
export function actionForm(action: string, csrf: string, label: string, options: { secondary?: boolean; id?: string } = {}): string {
  const id = options.id ? ` id="${escapeHtml(options.id)}"` : '';
  const cls = options.secondary ? ' class="secondary"' : '';
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit"${id}${cls}>${escapeHtml(label)}</button></form>`;
}
