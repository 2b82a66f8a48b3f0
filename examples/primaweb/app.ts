// PrimaWeb, the demo relying party: an OpenID Connect client built on openid-client 6 (code flow
// with PKCE S256, state and nonce), with server-side sessions, that lands on the home page of
// the role the person chose at the provider, refreshes its tokens to pick up new profiles,
// switches entity or role with prompt=select_mandate, and logs out at the provider (RP-initiated)
// and when the provider says so (back-channel).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { generateSelfSigned } from '../../src/http/tls.ts';
import { createLogoutTokenVerifier, InvalidLogoutToken, type LogoutTokenVerifier } from './backchannel.ts';
import { contentSecurityPolicy } from './html.ts';
import { adminHome, errorPage, loginFailedPage, sessionEndedPage, socialAgentHome, startPage, unknownRoleHome, type HomeView, type PrimawebClaims } from './pages.ts';
import { sameToken, SessionStore, type Session, type SignedIn } from './sessions.ts';

export const DEFAULT_SCOPE = 'openid profile mandate roles offline_access';
const COOKIE = 'primaweb_session';
const MAX_BODY = 64 * 1024;

export interface PrimawebOptions {
  /** The provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration). */
  issuer: string;
  clientId?: string;
  /** The client secret the provider printed when it created the client. */
  clientSecret: string;
  /**
   * https (default): serves https://localhost:<port> with `tls` or a generated self-signed
   * certificate; http: serves http://127.0.0.1:<port>. Both match the seeded redirect URIs.
   */
  scheme?: 'https' | 'http';
  /** 3000 by default (the seeded redirect URIs); 0 picks a free port. */
  port?: number;
  /** Listening address; 127.0.0.1 by default. */
  listenHost?: string;
  tls?: { cert: string; key: string };
  /**
   * PEM certificates to trust for the provider besides the system's, e.g. its generated
   * data/tls.crt. NODE_EXTRA_CA_CERTS does the same for the whole process.
   */
  providerCa?: string;
  scope?: string;
  /**
   * Adds prompt=consent to logins: oidc-provider keeps offline_access (a refresh token) only
   * when consent was requested. Default true.
   */
  promptConsent?: boolean;
  log?: (message: string) => void;
}

export interface RunningPrimaweb {
  url: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Register it as the client's backchannel_logout_uri to have the provider end sessions here. */
  backchannelLogoutUri: string;
  /** The `sub` of each session with a signed-in person (one entry per session). */
  signedInSessions(): string[];
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Verwacht een formulier.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'De aanvraag is te groot.');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function trustingFetch(agent: Agent): client.CustomFetch {
  return (url, options) => undiciFetch(url, { ...(options as object), dispatcher: agent }) as unknown as Promise<Response>;
}

export async function startPrimaweb(options: PrimawebOptions): Promise<RunningPrimaweb> {
  const scheme = options.scheme ?? 'https';
  const clientId = options.clientId ?? 'primaweb';
  const scope = options.scope ?? DEFAULT_SCOPE;
  const promptConsent = options.promptConsent ?? true;
  const log = options.log ?? (() => {});
  const agent = options.providerCa ? new Agent({ connect: { ca: options.providerCa } }) : undefined;
  const customFetch = agent ? trustingFetch(agent) : undefined;
  const providerOrigin = new URL(options.issuer).origin;
  const csp = contentSecurityPolicy(providerOrigin);
  const sessions = new SessionStore();

  let base = '';
  const redirectUri = () => `${base}/callback`;
  const postLogoutRedirectUri = () => `${base}/`;

  // Discovery happens on first use and again after a failure, so PrimaWeb may start before the
  // provider does.
  let discovered: Promise<{ config: client.Configuration; logoutTokens: LogoutTokenVerifier }> | undefined;
  const provider = () => {
    discovered ??= (async () => {
      const config = await client.discovery(new URL(options.issuer), clientId, undefined, client.ClientSecretBasic(options.clientSecret), {
        ...(customFetch ? { [client.customFetch]: customFetch } : {}),
      });
      if (customFetch) config[client.customFetch] = customFetch;
      const metadata = config.serverMetadata();
      const logoutTokens = createLogoutTokenVerifier({
        issuer: metadata.issuer,
        clientId,
        jwksUri: metadata.jwks_uri!,
        algorithms: metadata.id_token_signing_alg_values_supported ?? ['ES256', 'RS256'],
        ...(customFetch ? { fetch: customFetch as unknown as typeof fetch } : {}),
      });
      return { config, logoutTokens };
    })();
    discovered.catch(() => {
      discovered = undefined;
    });
    return discovered;
  };

  const securityHeaders = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };

  function cookieFor(session: Session | undefined): string {
    const secure = scheme === 'https' ? '; Secure' : '';
    if (!session) return `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
    return `${COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax${secure}`;
  }

  function html(res: http.ServerResponse, status: number, body: string, session?: Session | null): void {
    const headers: Record<string, string> = { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' };
    if (session !== undefined) headers['set-cookie'] = cookieFor(session ?? undefined);
    res.writeHead(status, headers);
    res.end(body);
  }

  function redirect(res: http.ServerResponse, location: string, session?: Session | null): void {
    const headers: Record<string, string> = { ...securityHeaders, location };
    if (session !== undefined) headers['set-cookie'] = cookieFor(session ?? undefined);
    res.writeHead(303, headers);
    res.end();
  }

  async function claimsFrom(config: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, previous?: SignedIn) {
    const idClaims = tokens.claims();
    const sub = idClaims?.sub ?? previous?.sub;
    if (!sub) throw new HttpError(502, 'De aanmeldingsdienst gaf geen ID-token.');
    // Userinfo is asked each time: it answers with the directory as it is now, and it holds the
    // claims also for a client that receives them only there.
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub);
    // Only what the provider says now: a claim it no longer sends (a profile taken away) is gone.
    const claims = { ...idClaims, ...userinfo } as PrimawebClaims;
    const sid = typeof idClaims?.sid === 'string' ? idClaims.sid : previous?.sid;
    const signedIn: SignedIn = {
      sub,
      idToken: tokens.id_token ?? previous?.idToken ?? '',
      accessToken: tokens.access_token,
      claims,
      ...(sid ? { sid } : {}),
      ...((tokens.refresh_token ?? previous?.refreshToken) ? { refreshToken: tokens.refresh_token ?? previous!.refreshToken! } : {}),
    };
    return signedIn;
  }

  async function beginLogin(res: http.ServerResponse, existing: Session | undefined, prompts: string[]): Promise<void> {
    const { config } = await provider();
    const session = existing ?? sessions.create();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    session.pending.set(state, { codeVerifier, nonce, createdAt: Date.now() });
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri(),
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const prompt = [...prompts, ...(promptConsent ? ['consent'] : [])];
    if (prompt.length) parameters.prompt = prompt.join(' ');
    redirect(res, client.buildAuthorizationUrl(config, parameters).href, session);
  }

  function home(res: http.ServerResponse, session: Session, user: SignedIn): void {
    const notice = session.flash;
    delete session.flash;
    const view: HomeView = { claims: user.claims, csrf: session.csrf, ...(notice ? { notice } : {}) };
    const page = user.claims.role === 'SOCIAL_AGENT' ? socialAgentHome(view) : user.claims.role === 'PRIMAWEB_ADMIN' ? adminHome(view) : unknownRoleHome(view);
    html(res, 200, page);
  }

  async function callback(req: http.IncomingMessage, res: http.ServerResponse, session: Session | undefined): Promise<void> {
    const current = new URL(req.url!, base);
    const state = current.searchParams.get('state') ?? '';
    const pending = session?.pending.get(state);
    if (!session || !pending) {
      html(res, 400, loginFailedPage('session_expired', 'de aanmelding werd niet in deze browser gestart of duurde te lang'));
      return;
    }
    session.pending.delete(state);
    const { config } = await provider();
    try {
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.codeVerifier, expectedState: state, expectedNonce: pending.nonce });
      const signedIn = await claimsFrom(config, tokens, session.user?.sub === tokens.claims()?.sub ? session.user : undefined);
      const rotated = sessions.rotate(session);
      rotated.user = signedIn;
      rotated.pending = new Map();
      delete rotated.logoutState;
      log(`signed in: ${signedIn.sub} as ${signedIn.claims.role ?? '(no role)'}`);
      redirect(res, '/', rotated);
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        html(res, 200, loginFailedPage(err.error, err.error_description));
        return;
      }
      if (err instanceof client.ResponseBodyError) {
        html(res, 502, loginFailedPage(err.error, err.error_description));
        return;
      }
      throw err;
    }
  }

  async function refresh(res: http.ServerResponse, session: Session, user: SignedIn): Promise<void> {
    if (!user.refreshToken) {
      session.flash = 'Er is geen vernieuwingstoken: meld u af en opnieuw aan om uw gegevens te vernieuwen.';
      redirect(res, '/');
      return;
    }
    const { config } = await provider();
    try {
      const tokens = await client.refreshTokenGrant(config, user.refreshToken);
      session.user = await claimsFrom(config, tokens, user);
      session.flash = 'Uw gegevens zijn vernieuwd.';
      redirect(res, '/');
    } catch (err) {
      if (err instanceof client.ResponseBodyError && err.error === 'invalid_grant') {
        // The provider ended the grant (logout, a revoked mandate or role): so does PrimaWeb.
        sessions.destroy(session);
        html(res, 200, sessionEndedPage(), null);
        return;
      }
      throw err;
    }
  }

  async function logout(res: http.ServerResponse, session: Session, user: SignedIn): Promise<void> {
    const { config } = await provider();
    sessions.destroy(session);
    // A fresh anonymous session remembers the state, to greet the person when they come back.
    const next = sessions.create();
    next.logoutState = client.randomState();
    const url = client.buildEndSessionUrl(config, {
      ...(user.idToken ? { id_token_hint: user.idToken } : {}),
      client_id: clientId,
      post_logout_redirect_uri: postLogoutRedirectUri(),
      state: next.logoutState,
    });
    redirect(res, url.href, next);
  }

  async function backchannelLogout(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const form = await readForm(req);
    const token = form.get('logout_token');
    if (!token) return json(400, { error: 'invalid_request', error_description: 'logout_token is missing' });
    const { logoutTokens } = await provider();
    try {
      const verified = await logoutTokens.verify(token);
      const ended = sessions.endForProviderSession(verified.sub, verified.sid);
      log(`back-channel logout: ${ended} session(s) ended`);
      res.writeHead(200, { 'cache-control': 'no-store' });
      res.end();
    } catch (err) {
      if (err instanceof InvalidLogoutToken) return json(400, { error: 'invalid_request', error_description: err.message });
      throw err;
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const session = sessions.find(parseCookies(req.headers.cookie).get(COOKIE));

    if (url.pathname === '/backchannel-logout' && method === 'POST') return backchannelLogout(req, res);
    if (method === 'GET' || method === 'HEAD') {
      switch (url.pathname) {
        case '/': {
          if (session?.user) return home(res, session, session.user);
          const state = url.searchParams.get('state');
          if (session?.logoutState && state && sameToken(state, session.logoutState)) {
            delete session.logoutState;
            return html(res, 200, startPage({ signedOut: true }));
          }
          return html(res, 200, startPage());
        }
        case '/login':
          return beginLogin(res, session, []);
        case '/callback':
          return callback(req, res, session);
        default:
          return html(res, 404, errorPage(404, 'Deze pagina bestaat niet.'));
      }
    }
    if (method === 'POST' && ['/refresh', '/switch', '/logout'].includes(url.pathname)) {
      const form = await readForm(req);
      if (!session?.user) return html(res, 200, sessionEndedPage());
      if (!sameToken(form.get('csrf') ?? undefined, session.csrf)) throw new HttpError(403, 'Het formulier is verlopen of komt niet van PrimaWeb. Probeer opnieuw vanaf de startpagina.');
      if (url.pathname === '/refresh') return refresh(res, session, session.user);
      if (url.pathname === '/switch') return beginLogin(res, session, ['select_mandate']);
      return logout(res, session, session.user);
    }
    res.setHeader('allow', 'GET, HEAD, POST');
    return html(res, 405, errorPage(405, 'Deze methode is hier niet toegestaan.'));
  }

  const handler: http.RequestListener = (req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log(`error: ${err instanceof Error ? err.stack : String(err)}`);
      const text = err instanceof HttpError ? err.message : 'De aanvraag kon niet worden verwerkt. Is de aanmeldingsdienst bereikbaar?';
      if (!res.headersSent) html(res, status, errorPage(status, text));
      else res.end();
    });
  };

  const server =
    scheme === 'https'
      ? https.createServer(options.tls ?? (await generateSelfSigned(['localhost', '127.0.0.1'])), handler)
      : http.createServer(handler);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.listenHost ?? '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  base = scheme === 'https' ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  provider().catch((err: unknown) => log(`discovery at ${options.issuer} failed (retried on first use): ${err instanceof Error ? err.message : String(err)}`));

  return {
    url: base,
    redirectUri: redirectUri(),
    postLogoutRedirectUri: postLogoutRedirectUri(),
    backchannelLogoutUri: `${base}/backchannel-logout`,
    signedInSessions: () => sessions.signedIn(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await agent?.close();
    },
  };
}
