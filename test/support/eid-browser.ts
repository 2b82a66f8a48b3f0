// A browser with an eID card in the reader: at the certificate origin (GET /eid/authenticate) its
// TLS handshake presents the chosen card's certificate, chain and key, as a real browser does
// after the person picks a certificate and types the PIN. Everywhere else it is the plain test
// Browser (cookies, manual redirects). Also the relying party's side of a login (openid-client,
// code flow with PKCE), and readers for the login and refusal pages. No harness: a login here
// runs through the real login page, certificate origin, ticket and callback.
import { Agent, type Dispatcher } from 'undici';
import * as client from 'openid-client';
import type { IssuedCertificate } from '../../src/eid/pki/index.ts';
import { AUTHENTICATE_PATH } from '../../src/http/certificate-origin.ts';
import { Browser, testTls, type BrowserOptions, type BrowserResponse } from './server.ts';

/** What the TLS client presents: PEM certificate (leaf, then issuers) and key, or a PKCS#12 file. */
export type ClientCertificate = { cert: string; key: string } | { pfx: Buffer; passphrase: string };

/** A card's Authentication (or any) certificate with the CAs a browser sends after it. */
export function cardCertificate(leaf: IssuedCertificate, chain: (IssuedCertificate | Buffer)[] = []): ClientCertificate {
  const pem = (c: IssuedCertificate | Buffer) =>
    Buffer.isBuffer(c) ? `-----BEGIN CERTIFICATE-----\n${c.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n` : c.pem;
  return { cert: [leaf, ...chain].map(pem).join(''), key: leaf.key.pem };
}

export class EidBrowser extends Browser {
  readonly #state: { card?: Dispatcher; forwarded?: Record<string, string>; agents: Agent[]; ca: string };

  constructor(agent: Agent, ca: string, options: BrowserOptions = {}) {
    const state: { card?: Dispatcher; forwarded?: Record<string, string>; agents: Agent[]; ca: string } = { agents: [], ca };
    super(agent, {
      ...options,
      // Only the certificate origin asks for a certificate; the main origin keeps the plain agent.
      dispatcherFor: (url) => (url.pathname === AUTHENTICATE_PATH ? state.card : undefined),
      headersFor: (url) => (url.pathname === AUTHENTICATE_PATH ? state.forwarded : undefined),
    });
    this.#state = state;
    this.present(undefined);
  }

  static override async create(options: BrowserOptions = {}): Promise<EidBrowser> {
    const { agent, ca } = await testTls();
    return new EidBrowser(agent, ca, options);
  }

  /**
   * The certificate the next handshakes with the certificate origin present (undefined: none,
   * as with no card in the reader). A new card is a new connection pool, so no TLS session of
   * the previous card is resumed.
   */
  present(card: ClientCertificate | undefined): this {
    const agent = new Agent({ connect: { ca: this.#state.ca, ...card } });
    this.#state.agents.push(agent);
    this.#state.card = agent;
    return this;
  }

  /** Proxy mode: the headers the TLS proxy adds to the certificate origin's request (undefined: none). */
  forward(headers: Record<string, string> | undefined): this {
    this.#state.forwarded = headers;
    return this;
  }

  async close(): Promise<void> {
    await Promise.all(this.#state.agents.map((a) => a.close()));
  }
}

/** nginx `$ssl_client_escaped_cert`: the PEM, URL-escaped so it fits in one header line. */
export function nginxEscapedCertificate(leaf: IssuedCertificate): string {
  return encodeURIComponent(leaf.pem);
}

/** RFC 9440 Client-Cert: the DER as a structured-field byte sequence. */
export function rfc9440Certificate(der: Buffer): string {
  return `:${der.toString('base64')}:`;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]!);

export interface LoginPage {
  lang: string;
  title: string;
  /** href of the "sign in with eID" link, if the page offers it. */
  eidLink?: string;
  eidButton?: string;
}

export function readLoginPage(page: BrowserResponse): LoginPage {
  const link = /<a class="button" id="eid-login" href="([^"]+)"[^>]*>([^<]*)<\/a>/.exec(page.text);
  return {
    lang: /<html lang="([^"]+)">/.exec(page.text)?.[1] ?? '',
    title: unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(page.text)?.[1] ?? ''),
    ...(link ? { eidLink: unescapeHtml(link[1]!), eidButton: unescapeHtml(link[2]!) } : {}),
  };
}

export interface RefusalPage {
  status: number;
  lang: string;
  title: string;
  /** The explanation shown to the person. */
  message: string;
  /** href of the "try again" link. */
  retry?: string;
  /** The code under the explanation (refusal reason or ticket_<reason>). */
  code?: string;
}

export function readRefusalPage(page: BrowserResponse): RefusalPage {
  const retry = /<a class="button" href="([^"]+)"/.exec(page.text)?.[1];
  const code = /<p class="code">[^<:]*: ([^<]+)<\/p>/.exec(page.text)?.[1];
  return {
    status: page.status,
    lang: /<html lang="([^"]+)">/.exec(page.text)?.[1] ?? '',
    title: unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(page.text)?.[1] ?? ''),
    message: unescapeHtml(/<p(?: role="alert")?>([^<]*)<\/p>/.exec(page.text)?.[1] ?? ''),
    ...(retry ? { retry: unescapeHtml(retry) } : {}),
    ...(code ? { code: unescapeHtml(code) } : {}),
  };
}

/** A relying party's authorization request in progress, waiting at the login page. */
export interface PendingAuthorization {
  uid: string;
  /** The interaction's login page, as the browser was shown it. */
  loginPage: BrowserResponse;
  /** Where the login page is, to come back to. */
  interactionUrl: URL;
  /** Code for tokens at the token endpoint, with PKCE, state and nonce checked by openid-client. */
  finish(callback: URL): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>;
}

/**
 * Starts a code flow (PKCE S256, state, nonce) the way a relying party does with openid-client
 * and lets the browser follow it to the login page.
 */
export async function beginAuthorization(
  rp: client.Configuration,
  browser: Browser,
  options: { redirectUri: string; params?: Record<string, string> },
): Promise<PendingAuthorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: options.redirectUri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.params,
  });
  const { stoppedAt, page } = await browser.follow(url, (next) => next.pathname.startsWith('/interaction/') || next.href.startsWith(options.redirectUri));
  if (!stoppedAt || !stoppedAt.pathname.startsWith('/interaction/')) {
    throw new Error(`the authorization request did not reach a login page: ${stoppedAt?.href ?? `HTTP ${page?.status} ${page?.text.slice(0, 300)}`}`);
  }
  const loginPage = await browser.request(stoppedAt);
  return {
    uid: stoppedAt.pathname.split('/')[2]!,
    loginPage,
    interactionUrl: stoppedAt,
    finish: (callback) => client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
  };
}

export type LoginOutcome = { callback: URL; page?: undefined } | { callback?: undefined; page: BrowserResponse };

/**
 * Follows redirects from `from` (the eID link of the login page, a retry, a callback) until the
 * relying party's redirect_uri is reached or a page answers.
 */
export async function followToClient(browser: Browser, from: URL | string, redirectUri: string): Promise<LoginOutcome> {
  const { stoppedAt, page } = await browser.follow(from, (next) => next.href.startsWith(redirectUri));
  if (stoppedAt) return { callback: stoppedAt };
  return { page: page! };
}

/** Follows the login up to (not into) the callback from the certificate origin: the URL with the ticket. */
export async function followToTicket(browser: Browser, from: URL | string): Promise<URL> {
  const { stoppedAt, page } = await browser.follow(from, (next) => next.pathname.endsWith('/eid/callback'));
  if (!stoppedAt) throw new Error(`no ticket: the login ended on a page (HTTP ${page?.status}): ${page?.text.slice(0, 400)}`);
  return stoppedAt;
}

/** The value of one counter sample in a Prometheus text exposition (0 when absent). */
export function metricValue(exposition: string, name: string, labels: Record<string, string>): number {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.indexOf('}') + 1).trim());
  }
  return 0;
}
