// Redis holds sessions, interactions and opaque tokens. When it goes away the service must say
// "temporarily unavailable" quickly (never hang, never crash, never show a stack trace), report
// itself not ready while staying alive, and serve again on its own once Redis is back.
import { createTestDatabase, describeWith, uniqueName } from '../../support/services.ts';
import { haveRedisServerBinary, startThrowawayRedis, type ThrowawayRedis } from '../../support/redis-server.ts';
import { browserGet, clientCredentials, getJson, pollUntil, randomMasterKey, startInProcess, type InProcessServer } from '../../support/ops.ts';

async function describeWithRedisBinary(): Promise<jest.Describe> {
  const gate = await describeWith('postgres');
  if (gate !== describe) return gate;
  if (await haveRedisServerBinary()) return describe;
  if (process.env.CI === 'true') throw new Error('redis-server is not on the PATH: CI=true requires it');
  console.warn('\n!!! SKIPPING: redis-server is not on the PATH; the Redis outage suite needs a throwaway one.\n');
  return describe.skip;
}

const describeOutage = await describeWithRedisBinary();

const REDIRECT_URI = 'http://127.0.0.1:3000/callback';
const authorizationUrl = (base: string, state: string) =>
  `${base}/auth?${new URLSearchParams({
    client_id: 'primaweb',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    state,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  })}`;

describeOutage('Redis outage and recovery', () => {
  let redis: ThrowawayRedis;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let idp: InProcessServer;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase('cidp_ops_redis');
    redis = await startThrowawayRedis();
    idp = await startInProcess({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `${uniqueName('ops')}:`,
      MASTER_KEY: randomMasterKey(),
      SEED_DEMO_DATA: 'true',
    });
    secret = idp.server.seeded!.newClientSecrets['demo-service']!;
  });

  afterAll(async () => {
    await idp?.close();
    await redis?.stop();
    await db?.drop();
  });

  async function expectUnavailableWhileDown(): Promise<void> {
    const started = Date.now();
    const token = await clientCredentials(idp.base, 'demo-service', secret);
    expect(token.status).toBe(503);
    expect(token.body.error).toBe('temporarily_unavailable');
    // Fail fast: an outage answers in well under the ioredis command timeout, not after it.
    expect(Date.now() - started).toBeLessThan(2_500);

    const ready = await getJson(`${idp.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: 'ok', redis: expect.stringMatching(/^unavailable/) });

    const live = await getJson(`${idp.base}/healthz`);
    expect(live.status).toBe(200);
  }

  async function expectRecovered(): Promise<number> {
    const { elapsedMs } = await pollUntil(() => getJson(`${idp.base}/readyz`), (r) => r.status === 200, { timeoutMs: 10_000 });
    const token = await clientCredentials(idp.base, 'demo-service', secret);
    expect(token.status).toBe(200);
    expect(token.body.access_token).toEqual(expect.any(String));
    return elapsedMs;
  }

  test('with Redis up, client_credentials tokens are issued and the instance is ready', async () => {
    const token = await clientCredentials(idp.base, 'demo-service', secret);
    expect(token.status).toBe(200);
    expect((await getJson(`${idp.base}/readyz`)).status).toBe(200);
  });

  test('Redis killed: /token 503 temporarily_unavailable, readyz 503, healthz 200; back within seconds after restart', async () => {
    // An interaction started before the outage, to open its page during it.
    const started = await browserGet(authorizationUrl(idp.base, 'before-outage'));
    expect(started.status).toBe(303);
    const interactionPath = started.headers.get('location')!;
    const cookies = started.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

    await redis.stop('SIGKILL');
    await expectUnavailableWhileDown();

    // The authorization endpoint has validated client and redirect_uri (they come from
    // PostgreSQL) when it fails to store the interaction, so it reports the error to the
    // relying party as RFC 6749 4.1.2.1 prescribes: a redirect carrying
    // error=temporarily_unavailable and the state, not a page of its own.
    const authorization = await browserGet(authorizationUrl(idp.base, 'during-outage'));
    expect(authorization.status).toBe(303);
    const callback = new URL(authorization.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(callback.searchParams.get('state')).toBe('during-outage');
    expect(callback.searchParams.get('iss')).toBe(idp.base);

    // Our own interaction page cannot read the interaction: a readable page in the person's
    // language, status 503, no internals.
    const interactionPage = await browserGet(`${idp.base}${interactionPath}`, { cookie: cookies, 'accept-language': 'fr-BE,fr;q=0.9' });
    expect(interactionPage.status).toBe(503);
    expect(interactionPage.headers.get('content-type')).toMatch(/^text\/html/);
    expect(interactionPage.headers.get('retry-after')).toBe('5');
    expect(interactionPage.text).toContain('<html lang="fr">');
    expect(interactionPage.text).toContain('Temporairement indisponible');
    expect(interactionPage.text).toContain('temporarily_unavailable');
    expect(interactionPage.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(interactionPage.text).not.toMatch(/enableOfflineQueue|ioredis|Error:/);

    await redis.start();
    const elapsedMs = await expectRecovered();
    console.info(`ready again ${elapsedMs} ms after redis-server restarted (SIGKILL outage)`);
  });

  test('Redis stopped cleanly (SIGTERM), a second outage: same answers, same recovery', async () => {
    await redis.stop('SIGTERM');
    await expectUnavailableWhileDown();

    // Logging out saves the session outside oidc-provider's own error handler; it still gets
    // our readable page rather than a bare text answer.
    const logout = await browserGet(`${idp.base}/session/end`, { 'accept-language': 'nl' });
    expect(logout.status).toBe(503);
    expect(logout.headers.get('content-type')).toMatch(/^text\/html/);
    expect(logout.text).toContain('Tijdelijk niet beschikbaar');

    await redis.start();
    const elapsedMs = await expectRecovered();
    console.info(`ready again ${elapsedMs} ms after redis-server restarted (SIGTERM outage)`);
  });

  test('the outages show in /metrics, and the same process still answers', async () => {
    const metrics = await (await fetch(`${idp.base}/metrics`)).text();
    expect(metrics).toMatch(/capacity_idp_grants_total\{grant_type="client_credentials",outcome="temporarily_unavailable"\} [2-9]/);
    // Every answer given because Redis was away, whichever error handler gave it: the token
    // requests (2), the authorization request, the interaction page and the logout page.
    const outages = Number(/capacity_idp_storage_unavailable_total\{backend="redis"\} (\d+)/.exec(metrics)?.[1]);
    expect(outages).toBeGreaterThanOrEqual(5);
    expect((await getJson(`${idp.base}/healthz`)).status).toBe(200);
  });
});
