// Liveness: the process answers. Readiness: every storage check answers in time and the instance
// is not shutting down; otherwise 503, so a load balancer sends traffic elsewhere.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { healthRoutes, type ReadinessCheck } from '../../../src/http/health.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';

// One array for the whole suite: each test puts its own checks in it.
const checks: ReadinessCheck[] = [];
const useChecks = (...next: ReadinessCheck[]) => void checks.splice(0, checks.length, ...next);
let shuttingDown = false;
let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.grants.inc({ grant_type: 'client_credentials', outcome: 'success' });
  app.use(healthRoutes({ checks, metrics, isShuttingDown: () => shuttingDown }).routes());
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  useChecks();
  shuttingDown = false;
});

const get = async (path: string) => {
  const r = await fetch(`${base}${path}`);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: r.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
};

const ok = (name: string): ReadinessCheck => ({ name, check: async () => {} });
const failing = (name: string, message: string): ReadinessCheck => ({ name, check: async () => { throw new Error(message); } });

test('/healthz is 200 whatever the storage does', async () => {
  useChecks(failing('postgres', 'down'));
  shuttingDown = true;
  const r = await get('/healthz');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ status: 'ok' });
  expect(r.headers.get('cache-control')).toBe('no-store');
});

test('/readyz is 200 when every check passes, and lists them', async () => {
  useChecks(ok('postgres'), ok('redis'));
  const r = await get('/readyz');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
});

test('/readyz is 503 naming the failing check and why', async () => {
  useChecks(ok('postgres'), failing('redis', 'connect ECONNREFUSED'));
  const r = await get('/readyz');
  expect(r.status).toBe(503);
  expect(r.body).toEqual({ status: 'not ready', checks: { postgres: 'ok', redis: 'unavailable: connect ECONNREFUSED' } });
});

test('/readyz does not hang on a check that never answers', async () => {
  useChecks(ok('postgres'), { name: 'redis', check: () => new Promise<void>(() => {}) });
  const started = Date.now();
  const r = await get('/readyz');
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(r.status).toBe(503);
  expect(r.body).toMatchObject({ checks: { redis: expect.stringMatching(/^unavailable: no answer within \d+ ms$/) } });
});

test('/readyz is 503 while shutting down, even with healthy storage', async () => {
  useChecks(ok('postgres'));
  shuttingDown = true;
  const r = await get('/readyz');
  expect(r.status).toBe(503);
  expect(r.body).toMatchObject({ status: 'shutting down' });
});

test('/metrics is the Prometheus text format', async () => {
  const r = await get('/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(r.text).toContain('capacity_idp_grants_total{grant_type="client_credentials",outcome="success"} 1');
});
