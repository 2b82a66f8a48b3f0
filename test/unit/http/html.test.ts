// Pages interpolate request-derived values (error descriptions, names): everything goes through
// escapeHtml, and the Content-Security-Policy allows exactly the page's own inline style.
import { createHash } from 'node:crypto';
import { PAGE_CSP, escapeHtml, htmlHeaders, page, pageCsp } from '../../../src/http/html.ts';

describe('escapeHtml', () => {
  test('escapes the five characters that matter in text and attribute values', () => {
    expect(escapeHtml(`<script>alert("x" + 'y') && 1</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;) &amp;&amp; 1&lt;/script&gt;');
  });

  test('escapes an ampersand first, so existing entities are shown, not interpreted', () => {
    expect(escapeHtml('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });

  test('an attribute value cannot be closed by the input', () => {
    const value = escapeHtml(`" onmouseover="alert(1)`);
    expect(`<p title="${value}">`).toBe('<p title="&quot; onmouseover=&quot;alert(1)">');
    expect(escapeHtml(`' autofocus onfocus='x`)).not.toContain("'");
  });

  test('leaves ordinary text, accents and non-Latin scripts as they are, and stringifies non-strings', () => {
    expect(escapeHtml('Vorübergehend nicht verfügbar – réessayez')).toBe('Vorübergehend nicht verfügbar – réessayez');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(null)).toBe('null');
  });
});

describe('page', () => {
  test('escapes the title and declares the language', () => {
    const html = page('fr', '<img src=x onerror=alert(1)>', '<p>ok</p>');
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(html).not.toContain('<img');
    expect(html).toContain("Connexion à l&#39;administration");
  });

  test('the CSP hash is that of the inline style the page carries, and nothing else may load', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(page('nl', 'x', ''))![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(PAGE_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(PAGE_CSP).toMatch(/default-src 'none'/);
    expect(PAGE_CSP).toMatch(/frame-ancestors 'none'/);
    expect(htmlHeaders()).toMatchObject({ 'content-security-policy': PAGE_CSP, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  });
});

describe('pageCsp', () => {
  test("a page's forms may end at the client's redirect_uri origin, because browsers check form-action on every redirect", () => {
    const csp = pageCsp(['https://primaweb.example.be:3000/callback?x=1', 'http://127.0.0.1:3000/cb']);
    expect(csp).toContain("form-action 'self' https://primaweb.example.be:3000 http://127.0.0.1:3000;");
    expect(csp).toMatch(/default-src 'none'/);
  });

  test('only http(s) origins are added: nothing else widens the policy', () => {
    expect(pageCsp(['javascript:alert(1)', 'not a url', 'data:text/html,x'])).toBe(PAGE_CSP);
    expect(pageCsp()).toBe(PAGE_CSP);
  });
});
