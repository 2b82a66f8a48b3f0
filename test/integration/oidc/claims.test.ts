// The claims contract as relying parties and APIs see it (openid-client 6 over real HTTPS):
// which claims each scope releases, in which token, in which language, and that they are
// computed from the directory when each token is issued. Runs embedded (PGlite, in-process
// artifacts) and on PostgreSQL + Redis.
//
// The login goes through the harness in test/support/login.ts. Most cases record the
// entity/capacity/role choice directly, the way the selection step does: in the interaction
// result (select_mandate) and, keyed by the grant id, with createSelectionQueries().save() before
// the authorization resumes, so the code is issued for a grant that already has its selection.
// The last cases take the selection pages themselves.
import * as client from 'openid-client';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { generateMasterKey } from '../../../src/crypto/secrets.ts';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { listAuditEvents } from '../../../src/directory/audit.ts';
import { createEntityQueries } from '../../../src/directory/entities.ts';
import { createMandateQueries } from '../../../src/directory/mandates.ts';
import { createProfileQueries } from '../../../src/directory/profiles.ts';
import { DEMO_PERSONS, type DemoPerson } from '../../../src/directory/seed.ts';
import { createSelectionQueries } from '../../../src/directory/selections.ts';
import { DEMO_RESOURCE_SERVER } from '../../../src/server/seeding.ts';
import { Browser, discoverClient, fetchTrusted, startTestServer, type TestServer } from '../../support/server.ts';
import { finishInteraction, startAuthorization } from '../../support/login.ts';
import { createTestDatabase, deleteRedisKeys, describeWith, REDIS_URL, uniqueName } from '../../support/services.ts';
import { formWith, readPage, submit } from '../interaction/helpers.ts';

const CALLBACK = 'https://localhost:3000/callback';
const HERSTAPPE = '0999999922';
const MOULINSART = '0999999823';
const ASSOCIATION = '0999999724';
const NRN_RELEASED = 'claims.national_register_number.released';

const HERSTAPPE_ENTITY = {
  enterprise_number: HERSTAPPE,
  type: 'OCMW',
  names: { nl: 'OCMW van Herstappe', fr: 'CPAS de Herstappe', de: 'ÖSHZ Herstappe' },
};
const SOCIAL_WELFARE = {
  code: 'MAATSCHAPPELIJK_WELZIJN',
  labels: { nl: 'Maatschappelijk Welzijn', fr: 'Action sociale', de: 'Sozialhilfe', en: 'Social welfare' },
};

interface Backend {
  env(): Promise<Record<string, string>>;
  cleanUp(): Promise<void>;
}

const embedded: Backend = { env: async () => ({}), cleanUp: async () => {} };

function postgresAndRedis(): Backend {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const redisKeyPrefix = `${uniqueName('cidp-claims')}:`;
  return {
    async env() {
      database = await createTestDatabase('cidp_claims');
      return { IN_MEMORY: 'false', DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix, MASTER_KEY: generateMasterKey() };
    },
    async cleanUp() {
      await database?.drop();
      await deleteRedisKeys(redisKeyPrefix);
    },
  };
}

function claimsContract(describeBackend: jest.Describe, title: string, backend: Backend) {
  describeBackend(`the claims contract (${title})`, () => {
    let server: TestServer;
    let primaweb: client.Configuration;
    let service: client.Configuration;
    const people = {} as Record<DemoPerson['key'], { id: string; demo: DemoPerson }>;

    const db = () => server.runtime.db;
    const mandatesOf = (personId: string, clientId: string) => createMandateQueries(db()).validForPerson(personId, new Date(), clientId);

    async function registerApplication(clientId: string, options: { firstParty?: boolean; allowNrn?: boolean } = {}): Promise<client.Configuration> {
      const clientSecret = `${clientId}-secret-for-tests-only`;
      const applications = createApplicationQueries(db(), server.runtime.secrets);
      await applications.upsertApplication({
        clientId,
        name: clientId,
        clientSecret,
        firstParty: options.firstParty ?? false,
        allowNrn: options.allowNrn ?? false,
        metadata: {
          redirect_uris: [CALLBACK],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      });
      await applications.setAcceptedCapacities(clientId, [SOCIAL_WELFARE.code]);
      return discoverClient(server.issuer, clientId, { clientSecret });
    }

    async function publishedKeys() {
      const response = await fetchTrusted(`${server.url}/jwks`);
      return createLocalJWKSet((await response.json()) as JSONWebKeySet);
    }

    interface SignIn {
      rp?: client.Configuration;
      person?: DemoPerson['key'];
      /** Enterprise number of the chosen entity; Herstappe by default. */
      entity?: string;
      role?: string | null;
      params?: Record<string, string>;
    }

    /**
     * Runs the authorization request to the point where the client holds a code: harness login,
     * selection recorded for the grant, resume. Returns how to exchange the code.
     */
    async function authorizeWithSelection(options: SignIn = {}) {
      const rp = options.rp ?? primaweb;
      const person = people[options.person ?? 'elise'];
      const clientId = rp.clientMetadata().client_id;
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(rp, {
        redirect_uri: CALLBACK,
        scope: 'openid profile mandate roles',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...options.params,
      });
      const browser = await Browser.create();
      const started = await startAuthorization(browser, url, CALLBACK);
      if (!started.uid) throw new Error(`expected an interaction, the request ended at ${started.callback?.href}`);
      const returnTo = await finishInteraction(server.host, started.uid, { accountId: person.id });

      const interaction = (await server.host.current.Interaction.find(started.uid))!;
      const grantId = (interaction.result!.consent as { grantId: string }).grantId;
      const mandate = (await mandatesOf(person.id, clientId)).find((m) => m.entity.enterpriseNumber === (options.entity ?? HERSTAPPE))!;
      const roleCode = options.role === undefined ? null : options.role;
      interaction.result = { ...interaction.result, select_mandate: { mandateId: mandate.id, roleCode } };
      await interaction.persist();
      await createSelectionQueries(db()).save({
        grantId,
        personId: person.id,
        clientId,
        mandateId: mandate.id,
        roleCode,
        expiresAt: new Date(Date.now() + 3_600_000),
      });

      const { stoppedAt, page } = await browser.follow(returnTo, (next) => next.href.startsWith(CALLBACK));
      if (!stoppedAt) throw new Error(`resuming ended on a page (HTTP ${page?.status}): ${page?.text.slice(0, 300)}`);
      return {
        rp,
        person,
        grantId,
        mandate,
        callback: stoppedAt,
        exchange: () => client.authorizationCodeGrant(rp, stoppedAt, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
      };
    }

    async function signIn(options: SignIn = {}) {
      const authorized = await authorizeWithSelection(options);
      return { ...authorized, tokens: await authorized.exchange() };
    }

    /** Calls of the one directory query behind a token's claims, while `during` runs. */
    async function claimsQueriesDuring(during: () => Promise<unknown>): Promise<number> {
      const database = db();
      const query = database.query;
      let count = 0;
      database.query = ((sql: string, params?: unknown[]) => {
        if (sql.includes('LEFT JOIN mandate_selections')) count++;
        return query.call(database, sql, params);
      }) as typeof query;
      try {
        await during();
        return count;
      } finally {
        database.query = query;
      }
    }

    async function releasesOfNationalNumber(personId: string) {
      return listAuditEvents(db(), { type: NRN_RELEASED, subject: personId });
    }

    beforeAll(async () => {
      server = await startTestServer(await backend.env());
      const seeded = server.seeded!;
      for (const demo of DEMO_PERSONS) people[demo.key] = { id: seeded.persons.find((p) => p.key === demo.key)!.id, demo };
      primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: seeded.newClientSecrets.primaweb! });
      service = await discoverClient(server.issuer, 'demo-service', { clientSecret: seeded.newClientSecrets['demo-service']! });
    });

    afterAll(async () => {
      await server?.close();
      await backend.cleanUp();
    });

    describe('discovery', () => {
      it('advertises the scopes and the claims they release', () => {
        const metadata = primaweb.serverMetadata();
        expect(metadata.scopes_supported).toEqual(
          expect.arrayContaining(['openid', 'offline_access', 'profile', 'mandate', 'roles', 'national_register_number']),
        );
        expect(metadata.claims_supported).toEqual(
          expect.arrayContaining([
            'sub', 'acr', 'amr', 'given_name', 'family_name', 'name', 'locale',
            'entity', 'capacity', 'roles', 'role', 'profiles', 'national_register_number',
          ]),
        );
        expect(metadata.claims_locales_supported).toEqual(['nl', 'fr', 'de', 'en']);
      });
    });

    describe('ID tokens', () => {
      it('of a first-party application carry the person, the entity and capacity chosen, the roles there, the chosen role and the profiles', async () => {
        const { tokens } = await signIn({ role: 'PRIMAWEB_ADMIN' });
        const elise = people.elise;
        const claims = tokens.claims()!;
        expect(claims).toMatchObject({
          sub: elise.id,
          acr: 'urn:be:fedict:iam:fas:Level500',
          amr: ['sc', 'pin'],
          given_name: 'Élise',
          family_name: 'Dubois-Janssens',
          name: 'Élise Dubois-Janssens',
          locale: 'fr',
        });
        // Without a language in the request, names and labels follow the person's (French).
        expect(claims.entity).toEqual({ ...HERSTAPPE_ENTITY, name: 'CPAS de Herstappe' });
        expect(claims.capacity).toEqual({ ...SOCIAL_WELFARE, label: 'Action sociale' });
        expect(claims.role).toBe('PRIMAWEB_ADMIN');
        expect(claims.roles).toEqual(['PRIMAWEB_ADMIN', 'SOCIAL_AGENT']);
        expect(claims.profiles).toEqual([]);
        expect(claims).not.toHaveProperty('national_register_number');
        expect(JSON.stringify(claims)).not.toContain(elise.demo.nationalNumber);
      });

      it('name the other entity when the person chose it, with only the roles held there', async () => {
        const { tokens } = await signIn({ entity: MOULINSART, role: 'SOCIAL_AGENT' });
        expect(tokens.claims()).toMatchObject({
          entity: { enterprise_number: MOULINSART, type: 'CPAS', name: 'CPAS de Moulinsart' },
          role: 'SOCIAL_AGENT',
          roles: ['SOCIAL_AGENT'],
          profiles: [],
        });
      });

      it('carry only what the granted scopes release', async () => {
        const { tokens } = await signIn({ role: 'SOCIAL_AGENT', params: { scope: 'openid mandate' } });
        const claims = tokens.claims()!;
        expect(claims.entity).toMatchObject({ enterprise_number: HERSTAPPE });
        expect(claims.capacity).toMatchObject({ code: SOCIAL_WELFARE.code });
        for (const absent of ['role', 'roles', 'profiles', 'given_name', 'name', 'locale']) expect(claims).not.toHaveProperty(absent);
      });

      it('of a third-party application carry the person but not the entity, capacity or roles, which its userinfo serves', async () => {
        const viewer = await registerApplication('casefile-viewer');
        const { tokens } = await signIn({ rp: viewer });
        const claims = tokens.claims()!;
        expect(claims).toMatchObject({ sub: people.elise.id, given_name: 'Élise', acr: 'urn:be:fedict:iam:fas:Level500' });
        for (const absent of ['entity', 'capacity', 'role', 'roles', 'profiles']) expect(claims).not.toHaveProperty(absent);

        const userinfo = await client.fetchUserInfo(viewer, tokens.access_token, people.elise.id);
        expect(userinfo).toEqual({
          sub: people.elise.id,
          given_name: 'Élise',
          family_name: 'Dubois-Janssens',
          name: 'Élise Dubois-Janssens',
          locale: 'fr',
          entity: { ...HERSTAPPE_ENTITY, name: 'CPAS de Herstappe' },
          capacity: { ...SOCIAL_WELFARE, label: 'Action sociale' },
          // The roles are the application's own: this one defines none.
          roles: [],
          profiles: [],
        });
      });
    });

    describe('userinfo', () => {
      it('serves the same claims as the first-party ID token', async () => {
        const { tokens } = await signIn({ person: 'noemie', role: 'SOCIAL_AGENT' });
        const userinfo = await client.fetchUserInfo(primaweb, tokens.access_token, people.noemie.id);
        expect(userinfo).toEqual({
          sub: people.noemie.id,
          given_name: 'Noémie',
          family_name: 'Van den Broeck',
          name: 'Noémie Van den Broeck',
          locale: 'nl',
          entity: { ...HERSTAPPE_ENTITY, name: 'OCMW van Herstappe' },
          capacity: { ...SOCIAL_WELFARE, label: 'Maatschappelijk Welzijn' },
          role: 'SOCIAL_AGENT',
          roles: ['SOCIAL_AGENT'],
          profiles: [],
        });
        const { acr: _acr, amr: _amr, auth_time: _authTime, iss: _iss, aud: _aud, exp: _exp, iat: _iat, nonce: _nonce, sid: _sid, at_hash: _atHash, ...fromIdToken } =
          tokens.claims()!;
        expect(fromIdToken).toEqual(userinfo);
      });

      it('omit entity, capacity and roles once the chosen mandate no longer holds', async () => {
        // A mandate of its own (at the association), so that revoking it changes no other case.
        const association = (await createEntityQueries(db()).findByEnterpriseNumber(ASSOCIATION))!;
        await createMandateQueries(db()).create({ personId: people.elise.id, entityId: association.id, capacityCode: SOCIAL_WELFARE.code, validFrom: '2024-01-01' });
        const { tokens, mandate } = await signIn({ entity: ASSOCIATION });
        expect(await client.fetchUserInfo(primaweb, tokens.access_token, people.elise.id)).toHaveProperty('entity');

        await createMandateQueries(db()).revoke(mandate.id);
        const userinfo = await client.fetchUserInfo(primaweb, tokens.access_token, people.elise.id);
        expect(userinfo).toMatchObject({ sub: people.elise.id, given_name: 'Élise' });
        for (const absent of ['entity', 'capacity', 'role', 'roles', 'profiles']) expect(userinfo).not.toHaveProperty(absent);
      });
    });

    describe('access tokens', () => {
      it('for the demo API are RFC 9068 JWTs that carry entity, capacity, role, roles and profiles and verify with the published keys', async () => {
        const { tokens } = await signIn({ role: 'SOCIAL_AGENT', params: { scope: 'openid mandate roles primaweb:files', resource: DEMO_RESOURCE_SERVER } });
        expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
        const { payload } = await jwtVerify(tokens.access_token, await publishedKeys(), {
          issuer: server.issuer,
          audience: DEMO_RESOURCE_SERVER,
          typ: 'at+jwt',
        });
        expect(payload).toMatchObject({
          sub: people.elise.id,
          client_id: 'primaweb',
          scope: 'primaweb:files',
          entity: { ...HERSTAPPE_ENTITY, name: 'CPAS de Herstappe' },
          capacity: { ...SOCIAL_WELFARE, label: 'Action sociale' },
          role: 'SOCIAL_AGENT',
          roles: ['PRIMAWEB_ADMIN', 'SOCIAL_AGENT'],
          profiles: [],
        });
        // The API learns who acts for whom, not the person's name.
        expect(payload).not.toHaveProperty('given_name');
        expect(tokens.claims()).toMatchObject({ role: 'SOCIAL_AGENT', entity: { enterprise_number: HERSTAPPE } });
      });

      it('for the demo API carry no mandate claims when the mandate and roles scopes were not asked', async () => {
        const { tokens } = await signIn({ role: 'SOCIAL_AGENT', params: { scope: 'openid primaweb:files', resource: DEMO_RESOURCE_SERVER } });
        const payload = decodeJwt(tokens.access_token);
        expect(payload).toMatchObject({ sub: people.elise.id, scope: 'primaweb:files' });
        for (const absent of ['entity', 'capacity', 'role', 'roles', 'profiles']) expect(payload).not.toHaveProperty(absent);
      });

      it('that are opaque introspect with the same claims', async () => {
        const { tokens } = await signIn({ role: 'PRIMAWEB_ADMIN' });
        expect(tokens.access_token.split('.')).toHaveLength(1);
        const introspection = await client.tokenIntrospection(primaweb, tokens.access_token);
        expect(introspection).toMatchObject({
          active: true,
          sub: people.elise.id,
          client_id: 'primaweb',
          entity: { ...HERSTAPPE_ENTITY, name: 'CPAS de Herstappe' },
          capacity: { ...SOCIAL_WELFARE, label: 'Action sociale' },
          role: 'PRIMAWEB_ADMIN',
          roles: ['PRIMAWEB_ADMIN', 'SOCIAL_AGENT'],
          profiles: [],
        });
      });

      it('of a client acting for itself (client_credentials) carry no person and no mandate', async () => {
        const { access_token: token } = await client.clientCredentialsGrant(service, { resource: DEMO_RESOURCE_SERVER, scope: 'primaweb:files' });
        const payload = decodeJwt(token);
        expect(payload).toMatchObject({ client_id: 'demo-service', sub: 'demo-service' });
        for (const absent of ['entity', 'capacity', 'role', 'roles', 'profiles']) expect(payload).not.toHaveProperty(absent);
      });
    });

    describe('values computed at issuance', () => {
      it('show no profiles on a first login, and the profile an access manager assigns at the next refresh and userinfo call', async () => {
        const { tokens, mandate } = await signIn({
          person: 'noemie',
          role: 'SOCIAL_AGENT',
          params: { scope: 'openid profile mandate roles offline_access', prompt: 'consent' },
        });
        expect(tokens.claims()!.profiles).toEqual([]);
        expect((await client.fetchUserInfo(primaweb, tokens.access_token, people.noemie.id)).profiles).toEqual([]);

        const profiles = createProfileQueries(db());
        const { profile } = await profiles.upsertProfile({
          clientId: 'primaweb',
          code: 'CASE_FILES',
          labels: { nl: 'Dossiers', fr: 'Dossiers', de: 'Akten', en: 'Case files' },
        });
        await profiles.assign(people.noemie.id, mandate.entityId, profile.id);

        const refreshed = await client.refreshTokenGrant(primaweb, tokens.refresh_token!);
        expect(refreshed.claims()).toMatchObject({ sub: people.noemie.id, role: 'SOCIAL_AGENT', profiles: ['CASE_FILES'] });
        expect((await client.fetchUserInfo(primaweb, refreshed.access_token, people.noemie.id)).profiles).toEqual(['CASE_FILES']);
        // userinfo computes at each call: the access token from before the change shows it too.
        expect((await client.fetchUserInfo(primaweb, tokens.access_token, people.noemie.id)).profiles).toEqual(['CASE_FILES']);

        await profiles.unassign(people.noemie.id, mandate.entityId, profile.id);
        const again = await client.refreshTokenGrant(primaweb, refreshed.refresh_token!);
        expect(again.claims()!.profiles).toEqual([]);
      });

      it('read the directory once for a token response (access token and ID token) and once per userinfo call', async () => {
        const authorized = await authorizeWithSelection({ role: 'SOCIAL_AGENT', params: { scope: 'openid mandate roles primaweb:files', resource: DEMO_RESOURCE_SERVER } });
        let tokens: Awaited<ReturnType<typeof authorized.exchange>> | undefined;
        expect(await claimsQueriesDuring(async () => (tokens = await authorized.exchange()))).toBe(1);
        expect(decodeJwt(tokens!.access_token)).toHaveProperty('entity');
        expect(tokens!.claims()).toHaveProperty('entity');

        const { tokens: opaque } = await signIn({ role: 'SOCIAL_AGENT' });
        expect(await claimsQueriesDuring(() => client.fetchUserInfo(primaweb, opaque.access_token, people.elise.id))).toBe(1);
      });
    });

    describe('language', () => {
      it('follows ui_locales of the authorization request', async () => {
        const { tokens } = await signIn({ person: 'noemie', role: 'SOCIAL_AGENT', params: { ui_locales: 'fr-BE en' } });
        expect(tokens.claims()).toMatchObject({ entity: { name: 'CPAS de Herstappe' }, capacity: { label: 'Action sociale' } });
        expect(await client.fetchUserInfo(primaweb, tokens.access_token, people.noemie.id)).toMatchObject({
          entity: { name: 'CPAS de Herstappe', names: HERSTAPPE_ENTITY.names },
          capacity: { label: 'Action sociale', labels: SOCIAL_WELFARE.labels },
          // `locale` stays the person's own language.
          locale: 'nl',
        });
      });

      it('prefers claims_locales to ui_locales, skipping languages it does not have', async () => {
        const { tokens } = await signIn({ person: 'noemie', role: 'SOCIAL_AGENT', params: { claims_locales: 'it de', ui_locales: 'fr' } });
        expect(tokens.claims()).toMatchObject({ entity: { name: 'ÖSHZ Herstappe' }, capacity: { label: 'Sozialhilfe' } });
      });

      it("falls back to the person's language without either", async () => {
        const { tokens } = await signIn({ person: 'noemie', role: 'SOCIAL_AGENT' });
        expect(tokens.claims()).toMatchObject({ entity: { name: 'OCMW van Herstappe' }, capacity: { label: 'Maatschappelijk Welzijn' } });
      });
    });

    describe('through the selection pages', () => {
      const atCallback = (url: URL) => url.href.startsWith(CALLBACK);

      /** Harness login, then the entity (and role) pages as a browser submits them. */
      async function chooseOnPages(rp: client.Configuration, browser: Browser, params: Record<string, string>, choice: { entity: string; role?: string }) {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const url = client.buildAuthorizationUrl(rp, {
          redirect_uri: CALLBACK,
          scope: 'openid profile mandate roles',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          ...params,
        });
        const started = await startAuthorization(browser, url, CALLBACK);
        let page;
        if (started.uid && (await server.host.current.Interaction.find(started.uid))?.prompt.name === 'login') {
          const returnTo = await finishInteraction(server.host, started.uid, { accountId: people.elise.id, consent: false });
          page = readPage((await browser.follow(returnTo, atCallback)).page!);
        } else {
          page = readPage(await browser.request(new URL(`/interaction/${started.uid}`, server.url)));
        }
        const mandate = (await mandatesOf(people.elise.id, rp.clientMetadata().client_id)).find((m) => m.entity.enterpriseNumber === choice.entity)!;
        // Each page answered as the person would: the entity, the role, then consent.
        const answers: [string, string][] = [['mandate', mandate.id], ['role', choice.role ?? ''], ['decision', 'accept']];
        let callback: URL | undefined;
        for (const [field, value] of answers) {
          if (!page.forms.some((f) => f.choices.some((c) => c.name === field) || f.buttons.some((b) => b.name === field))) continue;
          const outcome = await submit(browser, page, formWith(page, field), { [field]: value }, atCallback);
          if (outcome.stoppedAt) {
            callback = outcome.stoppedAt;
            break;
          }
          page = readPage(outcome.page!);
        }
        if (!callback) throw new Error(`the pages did not lead back to the client: "${page.title}" ${page.text.slice(0, 300)}`);
        return client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedState: state });
      }

      it('give tokens for the entity and role the person chose, in the language the request asked for, and for the new choice after a switch', async () => {
        const browser = await Browser.create();
        const tokens = await chooseOnPages(primaweb, browser, { ui_locales: 'de' }, { entity: HERSTAPPE, role: 'PRIMAWEB_ADMIN' });
        expect(tokens.claims()).toMatchObject({
          entity: { enterprise_number: HERSTAPPE, name: 'ÖSHZ Herstappe' },
          capacity: { code: SOCIAL_WELFARE.code, label: 'Sozialhilfe' },
          role: 'PRIMAWEB_ADMIN',
          roles: ['PRIMAWEB_ADMIN', 'SOCIAL_AGENT'],
          profiles: [],
        });

        // The relying party asks for the choice again: same session and grant, no new login. The
        // grant keeps the language asked for earlier, as no request named another since.
        const switched = await chooseOnPages(primaweb, browser, { prompt: 'select_mandate' }, { entity: MOULINSART });
        expect(switched.claims()).toMatchObject({
          sub: people.elise.id,
          entity: { enterprise_number: MOULINSART, name: 'ÖSHZ Moulinsart' },
          role: 'SOCIAL_AGENT',
          roles: ['SOCIAL_AGENT'],
        });
        expect(await client.fetchUserInfo(primaweb, switched.access_token, people.elise.id)).toMatchObject({
          entity: { enterprise_number: MOULINSART },
          role: 'SOCIAL_AGENT',
        });

        const inFrench = await chooseOnPages(primaweb, browser, { prompt: 'select_mandate', claims_locales: 'fr' }, { entity: MOULINSART });
        expect(inFrench.claims()).toMatchObject({ entity: { name: 'CPAS de Moulinsart' }, capacity: { label: 'Action sociale' } });
      });

      it('give a third-party application, after consent, the chosen entity at userinfo only', async () => {
        const partner = await registerApplication('partner-viewer');
        const tokens = await chooseOnPages(partner, await Browser.create(), {}, { entity: MOULINSART });
        expect(tokens.claims()).not.toHaveProperty('entity');
        expect(await client.fetchUserInfo(partner, tokens.access_token, people.elise.id)).toMatchObject({
          entity: { enterprise_number: MOULINSART, type: 'CPAS' },
          capacity: { code: SOCIAL_WELFARE.code },
          roles: [],
          profiles: [],
        });
      });
    });

    describe('the national register number', () => {
      it('is refused with invalid_scope to an application not allowed to receive it', async () => {
        const url = client.buildAuthorizationUrl(primaweb, {
          redirect_uri: CALLBACK,
          scope: 'openid national_register_number',
          code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: 'nrn',
        });
        const { callback } = await startAuthorization(await Browser.create(), url, CALLBACK);
        expect(Object.fromEntries(callback!.searchParams)).toMatchObject({ error: 'invalid_scope', state: 'nrn' });
      });

      it('is not released through the claims parameter either', async () => {
        const before = (await releasesOfNationalNumber(people.elise.id)).length;
        const wanted = JSON.stringify({ id_token: { national_register_number: { essential: true } }, userinfo: { national_register_number: null } });
        const { tokens } = await signIn({ role: 'SOCIAL_AGENT', params: { claims: wanted } });
        expect(tokens.claims()).not.toHaveProperty('national_register_number');
        expect(await client.fetchUserInfo(primaweb, tokens.access_token, people.elise.id)).not.toHaveProperty('national_register_number');
        expect(await releasesOfNationalNumber(people.elise.id)).toHaveLength(before);
      });

      it('is released at userinfo to an allowed application that was granted the scope, and each release is audited', async () => {
        const registry = await registerApplication('social-registry', { allowNrn: true });
        const before = (await releasesOfNationalNumber(people.elise.id)).length;
        const { tokens } = await signIn({ rp: registry, params: { scope: 'openid profile national_register_number' } });
        // A third party's ID token carries no more than the person's name.
        expect(tokens.claims()).not.toHaveProperty('national_register_number');

        const userinfo = await client.fetchUserInfo(registry, tokens.access_token, people.elise.id);
        expect(userinfo.national_register_number).toBe(people.elise.demo.nationalNumber);
        await client.fetchUserInfo(registry, tokens.access_token, people.elise.id);

        const releases = await releasesOfNationalNumber(people.elise.id);
        expect(releases).toHaveLength(before + 2);
        expect(releases[0]).toMatchObject({
          type: NRN_RELEASED,
          outcome: 'success',
          actor: 'client:social-registry',
          subject: people.elise.id,
          clientId: 'social-registry',
          details: { use: 'userinfo' },
        });
        expect(JSON.stringify(releases)).not.toContain(people.elise.demo.nationalNumber);
      });

      it('is not released to an allowed application that did not ask for the scope', async () => {
        const registry = await registerApplication('social-registry', { allowNrn: true });
        const before = (await releasesOfNationalNumber(people.elise.id)).length;
        const { tokens } = await signIn({ rp: registry, params: { scope: 'openid profile' } });
        expect(await client.fetchUserInfo(registry, tokens.access_token, people.elise.id)).not.toHaveProperty('national_register_number');
        expect(await releasesOfNationalNumber(people.elise.id)).toHaveLength(before);
      });

      it('is in the ID token of an allowed first-party application, audited as such', async () => {
        const portal = await registerApplication('registry-portal', { allowNrn: true, firstParty: true });
        const before = (await releasesOfNationalNumber(people.noemie.id)).length;
        const { tokens } = await signIn({ rp: portal, person: 'noemie', params: { scope: 'openid national_register_number' } });
        expect(tokens.claims()!.national_register_number).toBe(people.noemie.demo.nationalNumber);
        const releases = await releasesOfNationalNumber(people.noemie.id);
        expect(releases).toHaveLength(before + 1);
        expect(releases[0]).toMatchObject({ clientId: 'registry-portal', details: { use: 'id_token' } });
      });
    });
  });
}

claimsContract(describe, 'embedded', embedded);
claimsContract(await describeWith('postgres', 'redis'), 'PostgreSQL + Redis', postgresAndRedis());

