// The provider as relying parties see it: a real HTTPS listener, the demo directory, and
// openid-client 6 doing discovery, validation and every request. Embedded mode (PGlite in memory
// and the in-process artifact store). Logins go through the test harness in
// test/support/login.ts, which stands in for the eID login.
//
// The relying party is an application of this suite's own, registered like PrimaWeb (same
// redirect and post-logout URIs, grants and client authentication, first-party) but accepting no
// capacity: it has no entity/capacity/role step, so the login leads straight back to it and what
// is tested here is the protocol alone. The selection step has suites of its own
// (test/integration/interaction/selection.test.ts, test/integration/oidc/claims.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, jwtVerify, type JSONWebKeySet } from 'jose';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { DEMO_PERSONS } from '../../../src/directory/seed.ts';
import { DEMO_RESOURCE_SERVER } from '../../../src/server/seeding.ts';
import {
  Browser,
  discoverClient,
  fetchTrusted,
  registerTestApplication,
  startTestServer,
  TEST_APP_CALLBACK as CALLBACK,
  TEST_APP_HOME as HOME,
  type TestServer,
} from '../../support/server.ts';
import { authorize, codeFlow, finishInteraction, startAuthorization, type CodeFlowOptions } from '../../support/login.ts';
import { readPage } from '../interaction/helpers.ts';

/** First-party, PrimaWeb's metadata, no accepted capacity: see above. */
const APP = 'protocol-app';

describe('OpenID Connect with openid-client as the relying party (embedded mode)', () => {
  let server: TestServer;
  let app: client.Configuration;
  let service: client.Configuration;
  let elise: { id: string; demo: (typeof DEMO_PERSONS)[number] };

  const callbackParams = (url: URL) => Object.fromEntries(url.searchParams);
  const login = () => ({ accountId: elise.id });
  /** A fresh browser through a whole code flow (PKCE, state, nonce) for Élise. */
  async function signIn(rp = app, options: Partial<CodeFlowOptions> = {}) {
    const browser = await Browser.create();
    return { browser, ...(await codeFlow(server.host, rp, browser, { redirectUri: CALLBACK, login: login(), ...options })) };
  }

  async function publishedKeys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    const response = await fetchTrusted(`${server.url}/jwks`);
    return createLocalJWKSet((await response.json()) as JSONWebKeySet);
  }

  async function registerApplication(clientId: string, metadata: Record<string, unknown>): Promise<client.Configuration> {
    const clientSecret = `${clientId}-secret-for-tests-only`;
    await createApplicationQueries(server.runtime.db, server.runtime.secrets).upsertApplication({
      clientId,
      name: clientId,
      clientSecret,
      metadata: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', ...metadata },
    });
    return discoverClient(server.issuer, clientId, { clientSecret });
  }

  beforeAll(async () => {
    server = await startTestServer();
    const seeded = server.seeded!;
    const person = seeded.persons.find((p) => p.key === 'elise')!;
    elise = { id: person.id, demo: DEMO_PERSONS.find((p) => p.key === 'elise')! };
    app = await registerTestApplication(server, APP);
    service = await discoverClient(server.issuer, 'demo-service', { clientSecret: seeded.newClientSecrets['demo-service']! });
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('discovery', () => {
    it('publishes the issuer, the endpoints and the features relying parties use', () => {
      const metadata = app.serverMetadata();
      expect(metadata.issuer).toBe(server.issuer);
      for (const endpoint of [
        'authorization_endpoint',
        'token_endpoint',
        'userinfo_endpoint',
        'jwks_uri',
        'introspection_endpoint',
        'revocation_endpoint',
        'pushed_authorization_request_endpoint',
        'end_session_endpoint',
      ] as const) {
        expect(metadata[endpoint]).toMatch(new RegExp(`^${server.issuer}/`));
      }
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.subject_types_supported).toEqual(expect.arrayContaining(['public', 'pairwise']));
      expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
      expect(metadata.backchannel_logout_supported).toBe(true);
      expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    });
  });

  describe('authorization code flow with PKCE', () => {
    it('logs a person in and returns an ID token that openid-client validates (signature, iss, aud, nonce)', async () => {
      const { tokens } = await signIn();
      const claims = tokens.claims()!;
      expect(claims.iss).toBe(server.issuer);
      expect(claims.aud).toBe(APP);
      // The public subject is the person's opaque directory id, never the national register number.
      expect(claims.sub).toBe(elise.id);
      expect(JSON.stringify(claims)).not.toContain(elise.demo.nationalNumber);
      expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
    });

    it('serves the profile claims at userinfo for the access token', async () => {
      const { tokens } = await signIn();
      const userinfo = await client.fetchUserInfo(app, tokens.access_token, elise.id);
      expect(userinfo).toMatchObject({
        sub: elise.id,
        given_name: elise.demo.givenName,
        family_name: elise.demo.familyName,
        name: `${elise.demo.givenName} ${elise.demo.familyName}`,
        locale: elise.demo.preferredLocale,
      });
    });

    it('states how the person authenticated: acr is the eID level the login recorded', async () => {
      const { tokens } = await signIn();
      expect(tokens.claims()).toMatchObject({ acr: 'urn:be:fedict:iam:fas:Level500', amr: expect.arrayContaining(['sc']) });
    });

    it('puts auth_time in the ID token when the client asks for max_age', async () => {
      const { tokens } = await signIn(app, { params: { max_age: '300' } });
      expect(tokens.claims()!.auth_time).toEqual(expect.any(Number));
    });

    it.each([
      ['without a code_challenge', {}, /requires PKCE/],
      ['with the plain code_challenge_method', { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, /code_challenge_method/],
    ])('refuses an authorization request %s with invalid_request', async (_case, pkce, description) => {
      const url = new URL(app.serverMetadata().authorization_endpoint!);
      url.search = new URLSearchParams({ client_id: APP, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state: 'refused', ...pkce }).toString();
      const { callback } = await startAuthorization(await Browser.create(), url, CALLBACK);
      expect(callback).toBeDefined();
      expect(callbackParams(callback!)).toMatchObject({ error: 'invalid_request', state: 'refused', error_description: expect.stringMatching(description) });
    });

    it('refuses to exchange a code without the matching code_verifier', async () => {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(app, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'pkce',
      });
      const callback = await authorize(server.host, await Browser.create(), url, CALLBACK, login());
      await expect(
        client.authorizationCodeGrant(app, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: 'pkce' }),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('issues a refresh token for offline_access with prompt=consent, and refreshing gives fresh tokens', async () => {
      const { tokens } = await signIn(app, { params: { scope: 'openid profile offline_access', prompt: 'consent' } });
      expect(tokens.refresh_token).toEqual(expect.any(String));

      const refreshed = await client.refreshTokenGrant(app, tokens.refresh_token!);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.claims()!.sub).toBe(elise.id);
      const userinfo = await client.fetchUserInfo(app, refreshed.access_token, elise.id);
      expect(userinfo.given_name).toBe(elise.demo.givenName);
    });

    it('issues no refresh token when offline_access is asked without prompt=consent', async () => {
      const { tokens } = await signIn(app, { params: { scope: 'openid profile offline_access' } });
      expect(tokens.refresh_token).toBeUndefined();
    });
  });

  describe('client credentials', () => {
    it('gives an opaque token that introspects active, then inactive once revoked', async () => {
      const { access_token: token, token_type: tokenType } = await client.clientCredentialsGrant(service);
      expect(tokenType.toLowerCase()).toBe('bearer');
      expect(token.split('.')).toHaveLength(1);

      expect(await client.tokenIntrospection(service, token)).toMatchObject({ active: true, client_id: 'demo-service', token_type: 'Bearer' });
      await client.tokenRevocation(service, token);
      expect(await client.tokenIntrospection(service, token)).toEqual({ active: false });
    });

    it('gives a JWT access token (RFC 9068) for a registered API named with resource, signed with a published key', async () => {
      const { access_token: token } = await client.clientCredentialsGrant(service, { resource: DEMO_RESOURCE_SERVER, scope: 'primaweb:files' });
      expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });

      const { payload } = await jwtVerify(token, await publishedKeys(), { issuer: server.issuer, audience: DEMO_RESOURCE_SERVER, typ: 'at+jwt' });
      expect(payload).toMatchObject({ client_id: 'demo-service', scope: 'primaweb:files', aud: DEMO_RESOURCE_SERVER });
    });

    it("tells a client nothing about another client's token, and refuses to let it revoke one", async () => {
      const { tokens } = await signIn();
      expect(await client.tokenIntrospection(service, tokens.access_token)).toEqual({ active: false });
      await expect(client.tokenRevocation(service, tokens.access_token)).rejects.toMatchObject({ error: 'invalid_request' });
      expect(await client.tokenIntrospection(app, tokens.access_token)).toMatchObject({ active: true, sub: elise.id });
    });

    it('refuses a resource that is not a registered API with invalid_target', async () => {
      await expect(client.clientCredentialsGrant(service, { resource: 'https://unknown.example.test/api' })).rejects.toMatchObject({ error: 'invalid_target' });
    });
  });

  describe('pushed authorization requests', () => {
    it('runs the flow from a request_uri: the browser carries no request parameters', async () => {
      const { tokens, authorizationUrl } = await signIn(app, { pushed: true });
      expect([...authorizationUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
      expect(tokens.claims()!.sub).toBe(elise.id);
    });
  });

  describe('DPoP sender-constrained tokens', () => {
    it('binds the tokens to the client key: DPoP token type, cnf.jkt, and useless without a proof', async () => {
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const dpop = client.getDPoPHandle(app, keyPair);
      const { tokens } = await signIn(app, { dpop });
      expect(tokens.token_type.toLowerCase()).toBe('dpop');

      const thumbprint = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
      const introspection = await client.tokenIntrospection(app, tokens.access_token);
      expect(introspection).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: thumbprint } });

      expect((await client.fetchUserInfo(app, tokens.access_token, elise.id, { DPoP: dpop })).sub).toBe(elise.id);
      await expect(client.fetchUserInfo(app, tokens.access_token, elise.id)).rejects.toMatchObject({ status: 401 });
    });
  });

  describe('logout', () => {
    async function confirmLogout(browser: Browser, endSessionUrl: URL, redirectTo: string) {
      const confirmation = await browser.request(endSessionUrl);
      expect(confirmation.status).toBe(200);
      const action = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(confirmation.text)?.[1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirmation.text)?.[1];
      expect(action && xsrf).toBeTruthy();
      // The "log out completely" button of our page submits oidc-provider's form with logout=yes.
      expect(confirmation.text).toContain('name="logout" value="yes"');
      return browser.follow(new URL(action!, endSessionUrl), (next) => next.href.startsWith(redirectTo), {
        method: 'POST',
        body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
      });
    }

    it('ends the session on RP-initiated logout and returns to the post_logout_redirect_uri', async () => {
      const { browser, tokens } = await signIn();
      const endSession = client.buildEndSessionUrl(app, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: HOME, state: 'bye' });

      const { stoppedAt } = await confirmLogout(browser, endSession, HOME);
      expect(stoppedAt).toBeDefined();
      expect(callbackParams(stoppedAt!)).toEqual({ state: 'bye' });

      // The same browser is no longer logged in: a silent request needs a login.
      const silent = client.buildAuthorizationUrl(app, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        prompt: 'none',
        state: 'silent',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const { callback } = await startAuthorization(browser, silent, CALLBACK);
      expect(callbackParams(callback!)).toMatchObject({ error: 'login_required', state: 'silent' });
    });

    it('keeps the session when the browser is still logged in and asks silently', async () => {
      const { browser } = await signIn();
      const silent = client.buildAuthorizationUrl(app, {
        redirect_uri: CALLBACK,
        scope: 'openid profile',
        prompt: 'none',
        state: 'silent',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const { callback } = await startAuthorization(browser, silent, CALLBACK);
      expect(callbackParams(callback!)).toMatchObject({ code: expect.any(String), state: 'silent' });
    });

    it('delivers a signed logout token to the back-channel logout endpoint of a logged-in client', async () => {
      const received: string[] = [];
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          received.push(new URLSearchParams(body).get('logout_token') ?? '');
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const port = (receiver.address() as AddressInfo).port;
        const redirectUri = 'https://backchannel.example.test/callback';
        const postLogout = 'https://backchannel.example.test/';
        const rp = await registerApplication('backchannel-app', {
          redirect_uris: [redirectUri],
          post_logout_redirect_uris: [postLogout],
          backchannel_logout_uri: `http://127.0.0.1:${port}/logout`,
          backchannel_logout_session_required: true,
        });
        const { browser, tokens } = await signIn(rp, { redirectUri });
        const sid = tokens.claims()!.sid;
        expect(sid).toEqual(expect.any(String));

        const endSession = client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogout });
        const { stoppedAt } = await confirmLogout(browser, endSession, postLogout);
        expect(stoppedAt?.href).toBe(postLogout);

        for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        expect(received).toHaveLength(1);
        const logoutToken = received[0]!;
        const { payload, protectedHeader } = await jwtVerify(logoutToken, await publishedKeys(), { issuer: server.issuer, audience: 'backchannel-app' });
        expect(protectedHeader.typ).toBe('logout+jwt');
        expect(payload).toMatchObject({ sub: elise.id, sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
        expect(payload.nonce).toBeUndefined();
        expect(payload.jti).toEqual(expect.any(String));
      } finally {
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });

  describe('consent', () => {
    const authorizationUrl = async (rp: client.Configuration) =>
      client.buildAuthorizationUrl(rp, {
        redirect_uri: CALLBACK,
        scope: 'openid profile',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: 'consent',
      });

    it('is not asked for a first-party application: the login alone leads back with a code, without a redirect loop', async () => {
      const browser = await Browser.create();
      const callback = await authorize(server.host, browser, await authorizationUrl(app), CALLBACK, { ...login(), consent: false });
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
      // A second request in the same browser goes straight through as well.
      const again = await startAuthorization(browser, await authorizationUrl(app), CALLBACK);
      expect(again.callback?.searchParams.get('code')).toEqual(expect.any(String));
    });

    it('is asked for a third-party application after the login', async () => {
      const thirdParty = await registerApplication('third-party-app', { redirect_uris: [CALLBACK] });
      const browser = await Browser.create();
      const { uid } = await startAuthorization(browser, await authorizationUrl(thirdParty), CALLBACK);
      const returnTo = await finishInteraction(server.host, uid!, { ...login(), consent: false });
      const { stoppedAt } = await browser.follow(returnTo, (next) => next.pathname.startsWith('/interaction/') || next.href.startsWith(CALLBACK));
      expect(stoppedAt?.pathname).toMatch(/^\/interaction\//);
      const interaction = await server.host.current.Interaction.find(stoppedAt!.pathname.split('/')[2]!);
      expect(interaction?.prompt.name).toBe('consent');
    });
  });

  describe('pairwise subject identifiers', () => {
    it('gives a client registered with subject_type pairwise its own stable sub for the person', async () => {
      const redirectUri = 'https://pairwise.example.test/callback';
      const rp = await registerApplication('pairwise-app', { redirect_uris: [redirectUri], subject_type: 'pairwise' });

      const first = await signIn(rp, { redirectUri });
      const pairwiseSub = first.tokens.claims()!.sub;
      expect(pairwiseSub).not.toBe(elise.id);
      expect((await signIn()).tokens.claims()!.sub).toBe(elise.id);

      const again = await signIn(rp, { redirectUri });
      expect(again.tokens.claims()!.sub).toBe(pairwiseSub);
      expect((await client.fetchUserInfo(rp, again.tokens.access_token, pairwiseSub)).sub).toBe(pairwiseSub);
      expect(decodeJwt(again.tokens.id_token!).sub).toBe(pairwiseSub);
    });
  });

  describe('the interaction page while no login method exists', () => {
    async function openInteraction(headers: Record<string, string>) {
      const browser = await Browser.create({ headers });
      const url = client.buildAuthorizationUrl(app, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        state: 'no-login',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const { page } = await browser.follow(url, (next) => next.href.startsWith(CALLBACK));
      return { browser, page: page! };
    }

    it('is an HTML page of its own, under a strict Content-Security-Policy', async () => {
      const { page } = await openInteraction({});
      expect(page.url.pathname).toMatch(/^\/interaction\/[\w-]+$/);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    });

    it.each([
      ['Dutch when the browser states no language', '', 'nl', 'Aanmelden is nog niet mogelijk', 'Terug naar de toepassing'],
      ['English for Accept-Language en', 'en-GB,en;q=0.9', 'en', 'Signing in is not possible yet', 'Back to the application'],
    ])('says that no login method is available, in %s', async (_case, acceptLanguage, lang, title, back) => {
      const { page } = await openInteraction({ 'accept-language': acceptLanguage });
      expect(page.text).toContain(`<html lang="${lang}">`);
      expect(page.text).toContain(title);
      expect(page.text).toContain(back);
    });

    it('sends the person back to the client with error=access_denied from its back button', async () => {
      const { browser, page } = await openInteraction({});
      const [form] = readPage(page).forms;
      const action = form?.action;
      expect(action).toMatch(/^\/interaction\/[\w-]+\/abort$/);
      // The button posts the form as it is: with its hidden form token.
      expect(form!.csrf).toEqual(expect.any(String));

      const { stoppedAt } = await browser.follow(new URL(action!, page.url), (next) => next.href.startsWith(CALLBACK), {
        method: 'POST',
        body: new URLSearchParams(form!.hidden),
      });
      expect(stoppedAt).toBeDefined();
      expect(callbackParams(stoppedAt!)).toMatchObject({ error: 'access_denied', state: 'no-login', iss: server.issuer });
    });
  });
});
