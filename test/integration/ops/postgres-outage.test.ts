// PostgreSQL holds the directory: clients, persons, signing keys. A TCP proxy of the test's own
// sits between the service and the real server, so the test can cut the connection (every open
// socket closed, new ones refused) and restore it, as a network partition or a database restart
// would. Artifacts stay in the in-process store, so only the directory is affected.
import { randomBytes } from 'node:crypto';
import { POSTGRES_URL, createTestDatabase, describeWith } from '../../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';
import { browserGet, clientCredentials, getJson, pollUntil, randomMasterKey, startInProcess, type InProcessServer } from '../../support/ops.ts';

const describeDb = await describeWith('postgres');

// The client adapter caches a lookup for about five seconds: a client id this suite never used
// before is certain to need the directory.
const neverSeenClient = () => `never-seen-${randomBytes(4).toString('hex')}`;

describeDb('PostgreSQL outage and recovery', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let idp: InProcessServer;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase('cidp_ops_pg');
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.host = proxy.address;
    idp = await startInProcess({ DATABASE_URL: viaProxy.toString(), MASTER_KEY: randomMasterKey(), SEED_DEMO_DATA: 'true' });
    secret = idp.server.seeded!.newClientSecrets['demo-service']!;
  });

  afterAll(async () => {
    await idp?.close();
    await proxy?.close();
    await db?.drop();
  });

  test('through the proxy, the instance is ready and issues tokens', async () => {
    expect((await getJson(`${idp.base}/readyz`)).status).toBe(200);
    expect((await clientCredentials(idp.base, 'demo-service', secret)).status).toBe(200);
    expect(proxy.connections).toBeGreaterThan(0);
  });

  test('connection cut: readyz 503, requests needing the directory 503 temporarily_unavailable, the rest still served; restored: ready again', async () => {
    await proxy.cut();

    const ready = await getJson(`${idp.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: expect.stringMatching(/^unavailable/) });
    expect((await getJson(`${idp.base}/healthz`)).status).toBe(200);

    const started = Date.now();
    const token = await clientCredentials(idp.base, neverSeenClient(), 'whatever');
    expect(token.status).toBe(503);
    expect(token.body.error).toBe('temporarily_unavailable');
    expect(Date.now() - started).toBeLessThan(3_500);

    // An authorization request whose client cannot be read: no redirect_uri can be trusted, so
    // the provider shows its own error page (our renderError), in the requested language.
    const authorization = await browserGet(
      `${idp.base}/auth?client_id=${neverSeenClient()}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('http://127.0.0.1:3000/callback')}&ui_locales=de`,
    );
    expect(authorization.status).toBe(503);
    expect(authorization.headers.get('location')).toBeNull();
    expect(authorization.headers.get('content-type')).toMatch(/^text\/html/);
    expect(authorization.text).toContain('Vorübergehend nicht verfügbar');
    expect(authorization.text).not.toMatch(/\bat .+\.(ts|js):\d+|ECONNREFUSED/);

    // Discovery and the key set come from memory: relying parties keep working meanwhile.
    expect((await getJson(`${idp.base}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await getJson(`${idp.base}/jwks`)).status).toBe(200);

    await proxy.restore();
    const { elapsedMs } = await pollUntil(() => getJson(`${idp.base}/readyz`), (r) => r.status === 200, { timeoutMs: 10_000 });
    console.info(`ready again ${elapsedMs} ms after the PostgreSQL connection was restored`);

    // The directory answers again: an unknown client is now refused as such, the known one served.
    const unknown = await clientCredentials(idp.base, neverSeenClient(), 'whatever');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    expect((await clientCredentials(idp.base, 'demo-service', secret)).status).toBe(200);
  });
});
