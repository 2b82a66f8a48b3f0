// Two instances behind one issuer, sharing PostgreSQL (directory, signing keys) and Redis
// (sessions, interactions, codes, tokens), as they run behind a load balancer: whatever one
// instance issued or started, the other one continues; a key rotation reaches both without a
// restart. The "load balancer" here is a fetch that sends the issuer's requests to the chosen
// instance's port.
import * as client from 'openid-client';
import { decodeProtectedHeader } from 'jose';
import { generateMasterKey } from '../../src/crypto/secrets.ts';
import { longestSignedTokenLifetimeSeconds, rotateSigningKeys } from '../../src/keys/signing-keys.ts';
import { codeFlow, finishInteraction, startAuthorization } from '../support/login.ts';
import { Browser, discoverClient, fetchTrusted, routeOrigin, startTestServer, type Route, type TestServer } from '../support/server.ts';
import { createTestDatabase, deleteRedisKeys, describeWith, REDIS_URL, uniqueName } from '../support/services.ts';

const describeShared = await describeWith('postgres', 'redis');

const CALLBACK = 'https://localhost:3000/callback';
const ACTIVATION_DELAY_SECONDS = 2;

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 8000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

describeShared('two instances sharing PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const redisKeyPrefix = `${uniqueName('cidp-instances')}:`;
  let a: TestServer;
  let b: TestServer;
  let issuer: string;
  let clientSecret: string;
  let personId: string;
  /** Paths the load balancer sent to B: proof that a step really ran on B. */
  const servedByB: string[] = [];
  const to = (instance: () => TestServer): Route => {
    const route = routeOrigin(a.issuer, () => instance().url);
    return (url) => {
      const routed = route(url);
      if (routed.origin === b.url) servedByB.push(url.pathname);
      return routed;
    };
  };
  const viaA = () => discoverClient(issuer, 'primaweb', { clientSecret, route: to(() => a) });
  const viaB = () => discoverClient(issuer, 'primaweb', { clientSecret, route: to(() => b) });

  beforeAll(async () => {
    database = await createTestDatabase('cidp_instances');
    const shared = {
      IN_MEMORY: 'false',
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      MASTER_KEY: generateMasterKey(),
      KEYS_REFRESH_INTERVAL_SECONDS: '1',
      KEYS_ACTIVATION_DELAY_SECONDS: String(ACTIVATION_DELAY_SECONDS),
    };
    // A names the issuer after its own port; B serves the same issuer from another port.
    a = await startTestServer(shared);
    issuer = a.issuer;
    b = await startTestServer({ ...shared, ISSUER: issuer });
    expect(b.port).not.toBe(a.port);
    expect(b.issuer).toBe(issuer);
    clientSecret = a.seeded!.newClientSecrets.primaweb!;
    personId = a.seeded!.persons.find((p) => p.key === 'noemie')!.id;
  });

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await database?.drop();
    await deleteRedisKeys(redisKeyPrefix);
  });

  it('lets B introspect, refresh and revoke tokens that A issued', async () => {
    const rpA = await viaA();
    const rpB = await viaB();
    const browser = await Browser.create();
    const { tokens } = await codeFlow(a.host, rpA, browser, {
      redirectUri: CALLBACK,
      login: { accountId: personId },
      params: { scope: 'openid profile offline_access', prompt: 'consent' },
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    servedByB.length = 0;

    expect(await client.tokenIntrospection(rpB, tokens.access_token)).toMatchObject({ active: true, sub: personId, client_id: 'primaweb' });

    const refreshed = await client.refreshTokenGrant(rpB, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ iss: issuer, sub: personId, aud: 'primaweb' });
    expect(await client.tokenIntrospection(rpA, refreshed.access_token)).toMatchObject({ active: true, sub: personId });

    const refreshToken = refreshed.refresh_token ?? tokens.refresh_token!;
    await client.tokenRevocation(rpB, refreshToken);
    expect(await client.tokenIntrospection(rpA, refreshToken)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(rpA, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });

    expect(servedByB).toEqual(expect.arrayContaining(['/token/introspection', '/token', '/token/revocation']));
  });

  it('lets B find and render an interaction that A started, and finish the login that A began', async () => {
    let target = () => a;
    const browser = await Browser.create({ route: to(() => target()) });
    const rpA = await viaA();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rpA, {
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      state: 'across',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { uid } = await startAuthorization(browser, url, CALLBACK);
    expect(uid).toEqual(expect.any(String));

    const found = await b.host.current.Interaction.find(uid!);
    expect(found?.params).toMatchObject({ client_id: 'primaweb', redirect_uri: CALLBACK, state: 'across' });

    // A's cookies, B's listener: the page B renders is the interaction A started.
    target = () => b;
    servedByB.length = 0;
    const page = await browser.request(`${issuer}/interaction/${uid}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Aanmelden is nog niet mogelijk');
    expect(servedByB).toEqual([`/interaction/${uid}`]);

    const returnTo = await finishInteraction(b.host, uid!, { accountId: personId });
    const { stoppedAt } = await browser.follow(returnTo, (next) => next.href.startsWith(CALLBACK));
    expect(stoppedAt?.searchParams.get('state')).toBe('across');
    expect(servedByB).toContain(`/auth/${uid}`);

    const tokens = await client.authorizationCodeGrant(rpA, stoppedAt!, { pkceCodeVerifier: verifier, expectedState: 'across' });
    expect(tokens.claims()!.sub).toBe(personId);
  });

  it('publishes a rotated key on both instances within seconds and signs with it on both after activation, without restart', async () => {
    const started = Date.now();
    const jwksOf = async (instance: TestServer) => {
      const response = await fetchTrusted(`${instance.url}/jwks`);
      return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    };
    const before = await jwksOf(a);
    expect(await jwksOf(b)).toEqual(before);

    const { config } = a.runtime;
    const rotation = await rotateSigningKeys(a.runtime.db, a.runtime.secrets, {
      activationDelaySeconds: config.keys.activationDelaySeconds,
      longestTokenLifetimeSeconds: longestSignedTokenLifetimeSeconds(config.ttl),
    });
    const newKids = rotation.published.map((k) => k.kid);
    const newEs256 = rotation.published.find((k) => k.alg === 'ES256')!;
    expect(newKids).toHaveLength(2);

    for (const instance of [a, b]) {
      const published = await until(`${instance === a ? 'A' : 'B'} publishes the new keys`, async () => {
        const kids = await jwksOf(instance);
        return newKids.every((kid) => kids.includes(kid)) ? kids : undefined;
      });
      // Still publishing the old keys: tokens they signed stay verifiable.
      expect(published).toEqual(expect.arrayContaining(before));
    }
    const publishedAfterMs = Date.now() - started;
    expect(publishedAfterMs).toBeLessThan(5000);

    const signedNow = async (name: 'A' | 'B') => {
      const [instance, discover] = name === 'A' ? [a, viaA] : [b, viaB];
      // A relying party that discovers now, so its JWKS cache is fresh.
      const rp = await discover();
      const browser = await Browser.create({ route: to(() => instance) });
      const { tokens } = await codeFlow(instance.host, rp, browser, { redirectUri: CALLBACK, login: { accountId: personId } });
      return decodeProtectedHeader(tokens.id_token!).kid;
    };
    // Published is not yet active: relying parties get time to fetch the key before it signs.
    if (newEs256.activateAt.getTime() - Date.now() > 500) {
      expect(before).toContain(await signedNow('B'));
    }

    const waitForActivation = newEs256.activateAt.getTime() - Date.now();
    if (waitForActivation > 0) await new Promise((resolve) => setTimeout(resolve, waitForActivation));
    for (const name of ['A', 'B'] as const) {
      const kid = await until(`${name} signs ID tokens with the new key`, async () => {
        const signedWith = await signedNow(name);
        return signedWith === newEs256.kid ? signedWith : undefined;
      }, 5000, 200);
      expect(kid).toBe(newEs256.kid);
    }
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
