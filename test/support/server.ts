// Starting real provider instances in a test, and talking to them over real HTTPS the way a
// relying party (openid-client) and a browser (cookies, manual redirects) do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config/load.ts';
import { createApplicationQueries } from '../../src/directory/applications.ts';
import { generateSelfSigned } from '../../src/http/tls.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';

export interface TestTls {
  certFile: string;
  keyFile: string;
  /** The self-signed certificate, to trust as a CA. */
  ca: string;
  agent: Agent;
}

let tls: Promise<TestTls> | undefined;

/** One certificate for localhost per test file, written to a temporary folder. */
export function testTls(): Promise<TestTls> {
  tls ??= (async () => {
    const { cert, key } = await generateSelfSigned(['localhost', '127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'cidp-tls-'));
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    writeFileSync(certFile, cert);
    writeFileSync(keyFile, key, { mode: 0o600 });
    return { certFile, keyFile, ca: cert, agent: new Agent({ connect: { ca: cert } }) };
  })();
  return tls;
}

export interface TestServer extends RunningServer {
  /** Where this instance listens, e.g. https://localhost:41234 (may differ from the issuer). */
  url: string;
}

/**
 * Starts one instance: embedded, in memory, with the demo directory, silent, on a free port and
 * HTTPS with the test certificate, without the eID demo PKI (protocol tests log in through the
 * harness). `env` overrides any of that (e.g. DATABASE_URL, REDIS_URL, EID_DEMO_PKI).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const { certFile, keyFile } = await testTls();
  const loaded = loadConfig({
    PORT: '0',
    IN_MEMORY: 'true',
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'true',
    EID_DEMO_PKI: 'false',
    TLS_MODE: 'files',
    TLS_CERT_FILE: certFile,
    TLS_KEY_FILE: keyFile,
    ...env,
  });
  const server = await startServer(loaded, { processMetrics: false });
  return Object.assign(server, { url: `https://localhost:${server.port}` });
}

/** Where PrimaWeb (and the test applications registered like it) receives the code. */
export const TEST_APP_CALLBACK = 'https://localhost:3000/callback';
/** Where PrimaWeb (and the test applications registered like it) lands after logout. */
export const TEST_APP_HOME = 'https://localhost:3000/';

export interface TestApplicationOptions {
  /** Default true: our own application, so no consent is asked. */
  firstParty?: boolean;
  /** Capacities the application accepts; default none, so it has no entity/capacity/role step. */
  capacities?: string[];
  /** Overrides of the client metadata, which is otherwise PrimaWeb's. */
  metadata?: Record<string, unknown>;
}

/**
 * Registers an application of the test's own, with PrimaWeb's client metadata (redirect and
 * post-logout URIs, code and refresh grants, client_secret_basic) and, by default, first-party
 * and accepting no capacity: a login brings the person straight back with a code, so suites
 * about the protocol or the eID login are not about the entity/capacity/role choice. Returns
 * the relying party's configuration (openid-client, the test certificate trusted).
 */
export async function registerTestApplication(server: Pick<RunningServer, 'runtime' | 'issuer'>, clientId: string, options: TestApplicationOptions = {}): Promise<client.Configuration> {
  const clientSecret = `${clientId}-secret-for-tests-only`;
  const applications = createApplicationQueries(server.runtime.db, server.runtime.secrets);
  await applications.upsertApplication({
    clientId,
    name: clientId,
    clientSecret,
    firstParty: options.firstParty ?? true,
    metadata: {
      client_name: clientId,
      application_type: 'web',
      redirect_uris: [TEST_APP_CALLBACK, 'http://127.0.0.1:3000/callback'],
      post_logout_redirect_uris: [TEST_APP_HOME, 'http://127.0.0.1:3000/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...options.metadata,
    },
  });
  await applications.setAcceptedCapacities(clientId, options.capacities ?? []);
  return discoverClient(server.issuer, clientId, { clientSecret });
}

/** Sends every request for `from`'s origin to `to`'s instead: a load balancer in one line. */
export type Route = (url: URL) => URL;

export function routeOrigin(from: string, to: () => string): Route {
  const fromOrigin = new URL(from).origin;
  return (url) => {
    if (url.origin !== fromOrigin) return url;
    const target = new URL(to());
    const routed = new URL(url);
    routed.protocol = target.protocol;
    routed.host = target.host;
    return routed;
  };
}

type FetchInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

/** A fetch that trusts the test certificate (and optionally reroutes), as openid-client's customFetch. */
export function trustingFetch(agent: Agent, route?: Route) {
  return (url: string, options: client.CustomFetchOptions): Promise<Response> => {
    const target = route ? route(new URL(url)).href : url;
    return undiciFetch(target, { ...(options as unknown as FetchInit), dispatcher: agent }) as unknown as Promise<Response>;
  };
}

/**
 * The relying party's view of the provider: openid-client discovery with the test certificate
 * trusted. `clientAuth` defaults to client_secret_basic with `clientSecret`.
 */
export async function discoverClient(
  issuer: string,
  clientId: string,
  options: { clientSecret?: string; metadata?: Partial<client.ClientMetadata>; clientAuth?: client.ClientAuth; route?: Route } = {},
): Promise<client.Configuration> {
  const { agent } = await testTls();
  const customFetch = trustingFetch(agent, options.route);
  const auth = options.clientAuth ?? (options.clientSecret !== undefined ? client.ClientSecretBasic(options.clientSecret) : client.None());
  const config = await client.discovery(new URL(issuer), clientId, { ...options.metadata }, auth, { [client.customFetch]: customFetch });
  config[client.customFetch] = customFetch;
  return config;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt?: number;
}

function parseSetCookie(header: string, requestPath: string): StoredCookie {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const cookie: StoredCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: requestPath.replace(/\/[^/]*$/, '') || '/' };
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) cookie.path = value;
    if (key === 'expires') cookie.expiresAt = Date.parse(value);
    if (key === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
  }
  return cookie;
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export interface BrowserResponse {
  url: URL;
  status: number;
  headers: Headers;
  text: string;
}

export interface BrowserOptions {
  route?: Route;
  headers?: Record<string, string>;
  /**
   * The connection to use for a request instead of the browser's agent (undefined: the agent),
   * asked on every request: e.g. an agent that presents a client certificate to one origin.
   */
  dispatcherFor?: (url: URL) => Dispatcher | undefined;
  /** Extra headers for a request, asked on every request (e.g. what a TLS proxy would add). */
  headersFor?: (url: URL) => Record<string, string> | undefined;
}

/**
 * A browser reduced to what a login needs: a cookie jar (one host, so domains are ignored) and
 * redirects followed by hand so a test can stop at the relying party's redirect_uri.
 */
export class Browser {
  readonly #agent: Agent;
  readonly #route: Route | undefined;
  readonly #headers: Record<string, string>;
  readonly #dispatcherFor: BrowserOptions['dispatcherFor'];
  readonly #headersFor: BrowserOptions['headersFor'];
  readonly #cookies = new Map<string, StoredCookie>();

  constructor(agent: Agent, options: BrowserOptions = {}) {
    this.#agent = agent;
    this.#route = options.route;
    this.#headers = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'nl-BE,nl;q=0.9', ...options.headers };
    this.#dispatcherFor = options.dispatcherFor;
    this.#headersFor = options.headersFor;
  }

  static async create(options: BrowserOptions = {}): Promise<Browser> {
    return new Browser((await testTls()).agent, options);
  }

  cookieHeader(url: URL): string {
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((c) => (c.expiresAt === undefined || c.expiresAt > now) && pathMatches(c.path, url.pathname))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** One request, no redirect followed. */
  async request(url: URL | string, init: { method?: string; body?: URLSearchParams | string; headers?: Record<string, string> } = {}): Promise<BrowserResponse> {
    const address = new URL(url);
    const target = this.#route ? this.#route(address) : address;
    const headers: Record<string, string> = { ...this.#headers, ...this.#headersFor?.(address), ...init.headers };
    const cookie = this.cookieHeader(address);
    if (cookie) headers.cookie = cookie;
    const response = await undiciFetch(target, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body ? { body: init.body } : {}),
      redirect: 'manual',
      dispatcher: this.#dispatcherFor?.(target) ?? this.#agent,
    });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header, address.pathname);
      this.#cookies.set(`${cookie.name};${cookie.path}`, cookie);
    }
    return { url: address, status: response.status, headers: response.headers as unknown as Headers, text: await response.text() };
  }

  /**
   * Requests `url` and follows redirects until one points where `stop` says (typically the
   * client's redirect_uri, which is never fetched) or a page answers.
   * Returns the stopping URL, or the page that answered.
   */
  async follow(url: URL | string, stop: (next: URL) => boolean, init: { method?: string; body?: URLSearchParams } = {}): Promise<{ stoppedAt?: URL; page?: BrowserResponse }> {
    let next = new URL(url);
    if (stop(next)) return { stoppedAt: next };
    let response = await this.request(next, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { page: response };
      next = new URL(location, response.url);
      if (stop(next)) return { stoppedAt: next };
      response = await this.request(next);
    }
    throw new Error(`more than 20 redirects from ${String(url)}`);
  }
}

/** A plain request that trusts the test certificate (for /jwks, discovery and the like). */
export async function fetchTrusted(url: string | URL, init: Omit<FetchInit, 'dispatcher'> = {}) {
  return undiciFetch(url, { ...init, dispatcher: (await testTls()).agent });
}
