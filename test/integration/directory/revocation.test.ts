// Taking a mandate or a role away takes effect at once: the provider sessions whose selection
// rests on it end (tokens refused, the browser must log in again) and every client of such a
// session that registered a back-channel logout endpoint receives a signed logout token.
// Sessions that chose something else carry on. Runs on both storage setups: PostgreSQL with
// Redis (when reachable; required under CI=true) and embedded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { generateMasterKey } from '../../../src/crypto/secrets.ts';
import { listAuditEvents } from '../../../src/directory/audit.ts';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { createEntityQueries } from '../../../src/directory/entities.ts';
import { createMandateQueries, type Mandate } from '../../../src/directory/mandates.ts';
import { createRoleQueries } from '../../../src/directory/roles.ts';
import { revokeMandate, revokeRoleAssignment } from '../../../src/directory/revocation.ts';
import { createSelectionQueries } from '../../../src/directory/selections.ts';
import { finishInteraction, startAuthorization } from '../../support/login.ts';
import { Browser, discoverClient, fetchTrusted, startTestServer, type TestServer } from '../../support/server.ts';
import { createTestDatabase, deleteRedisKeys, havePostgres, haveRedis, REDIS_URL, uniqueName } from '../../support/services.ts';

const CAPACITY = 'MAATSCHAPPELIJK_WELZIJN';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Backend {
  name: string;
  env(): Promise<{ env: Record<string, string>; cleanUp(): Promise<void> }>;
}

const embedded: Backend = { name: 'embedded', env: async () => ({ env: {}, cleanUp: async () => {} }) };

const shared: Backend = {
  name: 'PostgreSQL and Redis',
  async env() {
    const database = await createTestDatabase('cidp_revocation');
    const prefix = `${uniqueName('cidp-revocation')}:`;
    return {
      env: { IN_MEMORY: 'false', DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, MASTER_KEY: generateMasterKey() },
      async cleanUp() {
        await database.drop();
        await deleteRedisKeys(prefix);
      },
    };
  },
};

const backends: Backend[] = [embedded];
if ((await havePostgres()) && (await haveRedis())) backends.push(shared);

/** Relying parties' back-channel logout endpoints: keep every logout token; only paths ending in /logout exist. */
async function startLogoutReceiver() {
  const received: { path: string; token: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.writeHead(req.url?.endsWith('/logout') ? 200 : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(backends)('revoking a mandate or a role ($name)', (backend) => {
  let server: TestServer;
  let cleanUp: () => Promise<void>;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  let casework: client.Configuration;
  let bystander: client.Configuration;
  let noemie: string;
  let elise: string;
  let herstappe: string;
  let moulinsart: string;

  const redirectUri = (clientId: string) => `https://${clientId}.example.test/callback`;
  const selections = () => createSelectionQueries(server.runtime.db);

  async function registerClient(clientId: string, logoutPath = `/${clientId}/logout`): Promise<client.Configuration> {
    const clientSecret = `${clientId}-secret-for-tests-only`;
    const applications = createApplicationQueries(server.runtime.db, server.runtime.secrets);
    await applications.upsertApplication({
      clientId,
      name: clientId,
      clientSecret,
      metadata: {
        redirect_uris: [redirectUri(clientId)],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        backchannel_logout_uri: receiver.url(logoutPath),
        backchannel_logout_session_required: true,
      },
    });
    await applications.setAcceptedCapacities(clientId, [CAPACITY]);
    return discoverClient(server.issuer, clientId, { clientSecret });
  }

  /**
   * One login of `personId` to `rp` in `browser` acting through `mandate` (and `roleCode`): the
   * harness stands in for the eID step and records the choice the selection step makes, then
   * the relying party redeems the code. Returns the tokens and where the selection is kept.
   */
  async function signIn(browser: Browser, rp: client.Configuration, personId: string, mandate: Mandate, roleCode: string | null) {
    const clientId = rp.clientMetadata().client_id;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri(clientId),
      scope: 'openid profile offline_access',
      prompt: 'consent',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { uid } = await startAuthorization(browser, url, redirectUri(clientId));
    const returnTo = await finishInteraction(server.host, uid!, { accountId: personId });
    const interaction = (await server.host.current.Interaction.find(uid!))!;
    interaction.result = { ...interaction.result, select_mandate: { mandateId: mandate.id, roleCode } };
    await interaction.persist();
    const { stoppedAt, page } = await browser.follow(returnTo, (next) => next.href.startsWith(redirectUri(clientId)));
    if (!stoppedAt) throw new Error(`the login ended on a page (HTTP ${page?.status}): ${page?.text.slice(0, 300)}`);
    const tokens = await client.authorizationCodeGrant(rp, stoppedAt, { pkceCodeVerifier: verifier, expectedState: state });

    const refreshToken = (await server.host.current.RefreshToken.find(tokens.refresh_token!))!;
    await selections().save({
      grantId: refreshToken.grantId!,
      personId,
      clientId,
      mandateId: mandate.id,
      roleCode,
      sessionUid: refreshToken.sessionUid ?? null,
      sid: refreshToken.sid ?? null,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    return { tokens, grantId: refreshToken.grantId!, sid: tokens.claims()!.sid as string };
  }

  /** A silent authorization in `browser`: a code while the session lives, login_required after. */
  async function silentAuthorization(browser: Browser, rp: client.Configuration): Promise<Record<string, string>> {
    const clientId = rp.clientMetadata().client_id;
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri(clientId),
      scope: 'openid',
      prompt: 'none',
      state: 'silent',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const { callback } = await startAuthorization(browser, url, redirectUri(clientId));
    return Object.fromEntries(callback!.searchParams);
  }

  async function verifyLogoutToken(token: string, clientId: string) {
    const keys = createLocalJWKSet((await (await fetchTrusted(`${server.url}/jwks`)).json()) as JSONWebKeySet);
    const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer: server.issuer, audience: clientId });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
    expect(payload.nonce).toBeUndefined();
    return payload;
  }

  const mandateOf = async (personId: string, entityId: string) =>
    (await createMandateQueries(server.runtime.db).listForPerson(personId)).find((m) => m.entityId === entityId && !m.revokedAt)!;

  beforeAll(async () => {
    const prepared = await backend.env();
    cleanUp = prepared.cleanUp;
    server = await startTestServer(prepared.env);
    receiver = await startLogoutReceiver();
    const persons = server.seeded!.persons;
    noemie = persons.find((p) => p.key === 'noemie')!.id;
    elise = persons.find((p) => p.key === 'elise')!.id;
    const entities = createEntityQueries(server.runtime.db);
    herstappe = (await entities.findByEnterpriseNumber('0999999922'))!.id;
    moulinsart = (await entities.findByEnterpriseNumber('0999999823'))!.id;
    casework = await registerClient('casework');
    bystander = await registerClient('bystander');
    // Noémie also works for Moulinsart, so that one of her sessions can rest on another mandate.
    await createMandateQueries(server.runtime.db).create({ personId: noemie, entityId: moulinsart, capacityCode: CAPACITY, validFrom: '2024-01-01' });
    const roles = createRoleQueries(server.runtime.db);
    for (const code of ['CASE_WORKER', 'SUPERVISOR']) {
      await roles.upsertRole({ clientId: 'casework', code, labels: { nl: code, fr: code, de: code, en: code } });
      await roles.assign({ personId: elise, entityId: herstappe, clientId: 'casework', roleCode: code, validFrom: '2024-01-01' });
    }
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await cleanUp?.();
  });

  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('ends the sessions that chose the mandate, logs out every client of them over the back channel, and leaves other sessions alone', async () => {
    const herstappeMandate = await mandateOf(noemie, herstappe);
    const moulinsartMandate = await mandateOf(noemie, moulinsart);

    // One browser: two applications in one provider session, both acting for Herstappe.
    const dependent = await Browser.create();
    const first = await signIn(dependent, casework, noemie, herstappeMandate, null);
    const second = await signIn(dependent, bystander, noemie, herstappeMandate, null);
    // Another browser of the same person acts for Moulinsart.
    const unrelated = await Browser.create();
    const other = await signIn(unrelated, casework, noemie, moulinsartMandate, null);

    const result = await revokeMandate({ db: server.runtime.db, provider: server.host.current }, herstappeMandate.id, { actor: 'admin:test' });

    expect(result.revoked).toBe(true);
    expect(result.endedSessions).toHaveLength(1);
    expect(result.endedSessions[0]).toMatchObject({ sessionFound: true });
    expect(result.endedSessions[0]!.grantIds.sort()).toEqual([first.grantId, second.grantId].sort());
    expect(result.endedSessions[0]!.backchannel.sort((a, b) => a.clientId.localeCompare(b.clientId))).toEqual([
      { clientId: 'bystander', delivered: true },
      { clientId: 'casework', delivered: true },
    ]);

    // Each client of the ended session got one logout token naming the person and its session id.
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/bystander/logout', '/casework/logout']);
    for (const [clientId, signedIn] of [['casework', first], ['bystander', second]] as const) {
      const token = receiver.received.find((r) => r.path === `/${clientId}/logout`)!.token;
      expect(await verifyLogoutToken(token, clientId)).toMatchObject({ sub: noemie, sid: signedIn.sid });
    }

    // Its tokens are dead and its browser must log in again.
    await expect(client.refreshTokenGrant(casework, first.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(bystander, second.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.tokenIntrospection(casework, first.tokens.access_token)).toEqual({ active: false });
    expect(await silentAuthorization(dependent, casework)).toMatchObject({ error: 'login_required', state: 'silent' });
    expect(await selections().findByGrant(first.grantId)).toBeUndefined();
    expect(await selections().findByGrant(second.grantId)).toBeUndefined();

    // The session that acts for Moulinsart carries on.
    const refreshed = await client.refreshTokenGrant(casework, other.tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: noemie });
    expect(await silentAuthorization(unrelated, casework)).toMatchObject({ code: expect.any(String), state: 'silent' });
    expect(await selections().findByGrant(other.grantId)).toMatchObject({ mandateId: moulinsartMandate.id });

    const audit = await listAuditEvents(server.runtime.db, { subject: noemie });
    expect(audit.find((e) => e.type === 'directory.mandate.revoked')).toMatchObject({
      actor: 'admin:test',
      outcome: 'success',
      details: { mandateId: herstappeMandate.id, entityId: herstappe, capacity: CAPACITY },
    });
    expect(audit.find((e) => e.type === 'session.ended')).toMatchObject({
      actor: 'admin:test',
      details: { reason: 'mandate_revoked', mandateId: herstappeMandate.id, sessionFound: true, grants: 2 },
    });
    expect(audit.filter((e) => e.type === 'logout.backchannel').map((e) => [e.clientId, e.outcome]).sort()).toEqual([
      ['bystander', 'success'],
      ['casework', 'success'],
    ]);
  });

  it('revoking an already revoked mandate changes nothing and ends no session', async () => {
    const revoked = (await createMandateQueries(server.runtime.db).listForPerson(noemie)).find((m) => m.entityId === herstappe)!;
    expect(revoked.revokedAt).not.toBeNull();
    const result = await revokeMandate({ db: server.runtime.db, provider: server.host.current }, revoked.id, { actor: 'admin:test' });
    expect(result).toEqual({ revoked: false, endedSessions: [] });
    expect(receiver.received).toEqual([]);
  });

  it('ends the sessions that chose a revoked role, not those that chose another role at the same entity', async () => {
    const mandate = await mandateOf(elise, herstappe);
    const asSupervisor = await Browser.create();
    const supervising = await signIn(asSupervisor, casework, elise, mandate, 'SUPERVISOR');
    const asCaseWorker = await Browser.create();
    const working = await signIn(asCaseWorker, casework, elise, mandate, 'CASE_WORKER');

    const assignment = (await createRoleQueries(server.runtime.db).listAssignmentsForPerson(elise)).find(
      (a) => a.clientId === 'casework' && a.roleCode === 'SUPERVISOR',
    )!;
    const result = await revokeRoleAssignment({ db: server.runtime.db, provider: server.host.current }, assignment.id, { actor: 'cli' });

    expect(result.revoked).toBe(true);
    expect(result.endedSessions).toHaveLength(1);
    expect(result.endedSessions[0]!.grantIds).toEqual([supervising.grantId]);
    expect(receiver.received.map((r) => r.path)).toEqual(['/casework/logout']);
    expect(await verifyLogoutToken(receiver.received[0]!.token, 'casework')).toMatchObject({ sub: elise, sid: supervising.sid });
    await expect(client.refreshTokenGrant(casework, supervising.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await silentAuthorization(asSupervisor, casework)).toMatchObject({ error: 'login_required' });

    await expect(client.refreshTokenGrant(casework, working.tokens.refresh_token!)).resolves.toMatchObject({ access_token: expect.any(String) });
    expect(await silentAuthorization(asCaseWorker, casework)).toMatchObject({ code: expect.any(String) });

    const audit = await listAuditEvents(server.runtime.db, { subject: elise, type: 'directory.role.revoked' });
    expect(audit[0]).toMatchObject({ actor: 'cli', clientId: 'casework', details: { assignmentId: assignment.id, role: 'SUPERVISOR', entityId: herstappe } });
  });

  it('keeps a session whose role the person still holds through another assignment', async () => {
    const mandate = await mandateOf(elise, herstappe);
    const roles = createRoleQueries(server.runtime.db);
    const extra = await roles.assign({ personId: elise, entityId: herstappe, clientId: 'casework', roleCode: 'CASE_WORKER', validFrom: '2024-06-01' });
    const browser = await Browser.create();
    const working = await signIn(browser, casework, elise, mandate, 'CASE_WORKER');

    const result = await revokeRoleAssignment({ db: server.runtime.db, provider: server.host.current }, extra.id, { actor: 'cli' });

    expect(result).toEqual({ revoked: true, endedSessions: [] });
    await expect(client.refreshTokenGrant(casework, working.tokens.refresh_token!)).resolves.toMatchObject({ access_token: expect.any(String) });
    expect(receiver.received).toEqual([]);
  });

  it('reports a relying party that refused the logout token, and ends the session all the same', async () => {
    const refusing = await registerClient('refusing', '/refusing/gone');
    const association = (await createEntityQueries(server.runtime.db).findByEnterpriseNumber('0999999724'))!;
    const mandate = await createMandateQueries(server.runtime.db).create({ personId: noemie, entityId: association.id, capacityCode: CAPACITY, validFrom: '2024-01-01' });
    const browser = await Browser.create();
    const signedIn = await signIn(browser, refusing, noemie, mandate, null);

    const result = await revokeMandate({ db: server.runtime.db, provider: server.host.current }, mandate.id, { actor: 'cli' });

    expect(result.endedSessions).toHaveLength(1);
    expect(result.endedSessions[0]!.backchannel).toEqual([{ clientId: 'refusing', delivered: false, error: expect.stringContaining('404') }]);
    expect(receiver.received.map((r) => r.path)).toEqual(['/refusing/gone']);
    await expect(client.refreshTokenGrant(refusing, signedIn.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await silentAuthorization(browser, refusing)).toMatchObject({ error: 'login_required' });
    const [delivery] = await listAuditEvents(server.runtime.db, { subject: noemie, type: 'logout.backchannel', clientId: 'refusing' });
    expect(delivery).toMatchObject({ outcome: 'failure', details: { reason: 'mandate_revoked', error: expect.stringContaining('404') } });
  });
});
