// TEST HARNESS STANDING IN FOR THE eID LOGIN. Suites about the protocol finish a login the way
// the login step itself does: they record the outcome on oidc-provider's own Interaction model
// (a login result with the person's account id, and a consent grant) and let the browser resume
// the authorization request. Nothing in production code is bypassed or changed: everything after
// "the person is authenticated" runs exactly as in production, including the entity/capacity/role
// step (select_mandate) for applications that accept a capacity. The harness does not answer that
// step: use an application that accepts none (registerTestApplication in ./server.ts), a person
// whose only mandate and role are chosen for them, or add `select_mandate` to the interaction
// result before resuming (test/integration/oidc/claims.test.ts). The real eID login is tested
// through ./eid-browser.ts.
import * as client from 'openid-client';
import type { ProviderHost } from '../../src/oidc/host.ts';
import { SCOPES } from '../../src/oidc/claims.ts';
import type { Browser } from './server.ts';

/** FAS level for the eID (see docs/domain.md §3.1); the eID login will set the same. */
export const EID_ACR = 'urn:be:fedict:iam:fas:Level500';
/** RFC 8176: smart card and PIN. */
export const EID_AMR = ['sc', 'pin'];

export interface HarnessLogin {
  accountId: string;
  acr?: string;
  amr?: string[];
  /** Also grant what the client asked for (the consent prompt). Default true. */
  consent?: boolean;
}

const isInteraction = (url: URL) => url.pathname.startsWith('/interaction/');

/** The uid of the interaction the authorization request leads to (cookies are kept in `browser`). */
export async function startAuthorization(browser: Browser, authorizationUrl: URL, redirectUri: string): Promise<{ uid?: string; callback?: URL }> {
  const { stoppedAt, page } = await browser.follow(authorizationUrl, (next) => isInteraction(next) || next.href.startsWith(redirectUri));
  if (!stoppedAt) throw new Error(`the authorization request ended on a page (HTTP ${page?.status}): ${page?.text.slice(0, 300)}`);
  if (isInteraction(stoppedAt)) return { uid: stoppedAt.pathname.split('/')[2]! };
  return { callback: stoppedAt };
}

function scopesOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/** Records the login (and consent) on the interaction, as the eID login step will. */
export async function finishInteraction(host: ProviderHost, uid: string, login: HarnessLogin): Promise<string> {
  const provider = host.current;
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) throw new Error(`interaction ${uid} not found`);
  const result: Record<string, unknown> = {
    login: { accountId: login.accountId, acr: login.acr ?? EID_ACR, amr: login.amr ?? EID_AMR },
  };
  if (login.consent !== false) {
    const { params } = interaction;
    const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId: login.accountId, clientId: String(params.client_id) });
    const requested = scopesOf(params.scope);
    grant.addOIDCScope(requested.filter((s) => SCOPES.includes(s)).join(' '));
    const apiScopes = requested.filter((s) => !SCOPES.includes(s));
    const resources = ([] as unknown[]).concat(params.resource ?? []).map(String);
    for (const resource of resources) grant.addResourceScope(resource, apiScopes.join(' '));
    const details = interaction.prompt.details as { missingOIDCClaims?: string[] };
    if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
    result.consent = { grantId: await grant.save() };
  }
  interaction.result = result;
  await interaction.persist();
  return interaction.returnTo;
}

/**
 * Runs an authorization request to the client's redirect_uri: follows it to the interaction,
 * logs `login.accountId` in through the harness and resumes. Returns the callback URL (with
 * `code` and `state`, or `error`). When the browser's session already satisfies the request, no
 * interaction happens.
 */
export async function authorize(host: ProviderHost, browser: Browser, authorizationUrl: URL, redirectUri: string, login: HarnessLogin): Promise<URL> {
  const started = await startAuthorization(browser, authorizationUrl, redirectUri);
  if (started.callback) return started.callback;
  const returnTo = await finishInteraction(host, started.uid!, login);
  const { stoppedAt, page } = await browser.follow(returnTo, (next) => next.href.startsWith(redirectUri));
  if (!stoppedAt) throw new Error(`resuming ended on a page (HTTP ${page?.status}): ${page?.text.slice(0, 300)}`);
  return stoppedAt;
}

export interface CodeFlowOptions {
  redirectUri: string;
  login: HarnessLogin;
  /** Extra authorization parameters (scope defaults to "openid profile"). */
  params?: Record<string, string>;
  /** Push the request first (PAR, RFC 9126). */
  pushed?: boolean;
  /** Bind the tokens to this DPoP key (RFC 9449). */
  dpop?: client.DPoPHandle;
}

/**
 * A complete authorization code flow with PKCE S256, state and nonce, as a relying party runs
 * it with openid-client; the login itself goes through the harness above.
 */
export async function codeFlow(host: ProviderHost, rp: client.Configuration, browser: Browser, options: CodeFlowOptions) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.params,
  };
  const dpop = options.dpop ? { DPoP: options.dpop } : undefined;
  const authorizationUrl = options.pushed
    ? await client.buildAuthorizationUrlWithPAR(rp, params, dpop)
    : client.buildAuthorizationUrl(rp, params);
  const callback = await authorize(host, browser, authorizationUrl, options.redirectUri, options.login);
  const maxAge = params.max_age ? Number(params.max_age) : undefined;
  const tokens = await client.authorizationCodeGrant(
    rp,
    callback,
    { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, ...(maxAge !== undefined ? { maxAge } : {}) },
    undefined,
    dpop,
  );
  return { tokens, authorizationUrl, callback };
}
