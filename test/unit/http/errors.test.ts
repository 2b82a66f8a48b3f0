// Errors thrown in our own routes become one kind of answer: OAuth-style JSON for API callers, a
// page in the person's language for browsers, never a stack trace or an internal message.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import pino from 'pino';
import { HttpError, errorMiddleware } from '../../../src/http/errors.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { StorageUnavailableError } from '../../../src/store/errors.ts';

const logged: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
const metrics = createMetrics({ defaultMetrics: false });

const failures: Record<string, () => Error> = {
  '/redis-down': () => new StorageUnavailableError('redis', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })),
  '/db-down': () => new StorageUnavailableError('postgres', new Error('Connection terminated unexpectedly')),
  '/not-allowed': () => new HttpError(403, 'access_denied', 'this <application> may not do that'),
  '/bug': () => new TypeError("Cannot read properties of undefined (reading 'secretThing')"),
};

let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware(logger, metrics));
  app.use((ctx) => {
    const fail = failures[ctx.path];
    if (fail) throw fail();
    ctx.body = { ok: true };
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const api = async (path: string) => {
  const r = await fetch(`${base}${path}`, { headers: { accept: 'application/json' } });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, string> };
};
const browser = async (path: string, acceptLanguage = 'nl-BE') => {
  const r = await fetch(`${base}${path}`, { headers: { accept: 'text/html,*/*;q=0.8', 'accept-language': acceptLanguage } });
  return { status: r.status, headers: r.headers, text: await r.text() };
};

describe('a storage outage', () => {
  test('answers API callers 503 temporarily_unavailable with Retry-After, not cached', async () => {
    const r = await api('/redis-down');
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: 'temporarily_unavailable', error_description: 'the session store is temporarily unavailable, try again shortly' });
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(r.body)).not.toContain('ECONNREFUSED');
  });

  test('shows browsers a page in their language that says their data is not lost', async () => {
    const r = await browser('/db-down', 'de-BE,de;q=0.9');
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(r.text).toContain('<html lang="de">');
    expect(r.text).toContain('Vorübergehend nicht verfügbar');
    expect(r.text).toContain('Ihre Daten sind nicht verloren');
    expect(r.text).toContain('temporarily_unavailable');
    expect(r.text).not.toMatch(/Connection terminated|\bat .+:\d+/);
  });

  test('ui_locales in the query chooses the language of the page', async () => {
    expect((await browser('/redis-down?ui_locales=fr', 'de')).text).toContain('Temporairement indisponible');
  });

  test('is counted per backend and logged as a warning with its cause', async () => {
    await api('/db-down');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/capacity_idp_storage_unavailable_total\{backend="redis"\} [1-9]/);
    expect(text).toMatch(/capacity_idp_storage_unavailable_total\{backend="postgres"\} [1-9]/);
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: 'storage unavailable', backend: 'redis', cause: 'connect ECONNREFUSED 127.0.0.1:6379' }));
  });
});

describe('an HttpError', () => {
  test('keeps its status and code, and its message is shown (escaped) because it was written for the user', async () => {
    expect((await api('/not-allowed')).body).toEqual({ error: 'access_denied', error_description: 'this <application> may not do that' });
    const page = await browser('/not-allowed', 'en');
    expect(page.status).toBe(403);
    expect(page.text).toContain('this &lt;application&gt; may not do that');
    expect(page.text).toContain('Something went wrong');
  });
});

describe('an unexpected error', () => {
  test('is a 500 server_error without its message; the details go to the log only', async () => {
    const r = await api('/bug');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: 'server_error', error_description: 'an unexpected error occurred' });
    const page = await browser('/bug', 'fr');
    expect(page.status).toBe(500);
    expect(page.text).toContain("Une erreur s&#39;est produite");
    expect(page.text).not.toMatch(/secretThing|TypeError|\bat .+:\d+/);
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, msg: 'unexpected error', path: '/bug', err: expect.objectContaining({ name: 'TypeError', stack: expect.stringContaining('TypeError') }) }));
  });

  test('requests that succeed are untouched', async () => {
    expect(await api('/fine')).toMatchObject({ status: 200, body: { ok: true } });
  });
});
