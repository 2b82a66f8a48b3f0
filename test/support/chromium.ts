// Real-browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser).
// A card in the reader is Playwright's `clientCertificates` for the certificate origin: the
// handshake with that exact origin (scheme, host, port) presents the card's Authentication
// certificate with its CA, as a browser does after the person picks the certificate and types
// the PIN. Without Chromium the suites skip with a loud notice; under CI=true they fail.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, no sandbox (containers), nothing that phones home or updates during a test. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const IN_CI = process.env.CI === 'true';

export function haveChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium is not installed at ${CHROMIUM_PATH}`;
  if (IN_CI) throw new Error(`${message}: CI=true requires it (apt-get install chromium)`);
  console.warn(`\n!!! SKIPPING real-browser tests: ${message}. Install Debian's chromium or set CHROMIUM_PATH.\n`);
  return false;
}

/** jest's describe, or describe.skip after a loud notice when Chromium is missing outside CI. */
export function describeWithChromium(): jest.Describe {
  return haveChromium() ? describe : describe.skip;
}

/**
 * Launches Chromium. playwright's launch() gives the browser a fresh temporary user-data-dir
 * of its own (removed on close): no profile, certificate or cookie survives from elsewhere.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

/** A card's certificate as PEM (leaf followed by its CA, so the server can build the path) and key, or a PKCS#12 file. */
export type CardCredentials = { cert: string; key: string } | { pfx: Buffer; passphrase: string };

export interface CardContextOptions {
  /** The certificate origin, exactly as the browser reaches it (e.g. https://localhost:41234). */
  certificateOrigin: string;
  /** The card in the reader; none: no certificate to offer. */
  card?: CardCredentials;
  /** Browser language (Accept-Language and navigator.language), e.g. nl-BE or fr-BE. */
  locale?: string;
}

/**
 * A fresh browser context (cookies of its own: a new browser for the person). Playwright makes
 * the certificate origin's TLS handshake in Node; the test certificate of the servers is not a
 * CA that process trusts (NODE_EXTRA_CA_CERTS is read only at start), so server certificates are
 * not checked in these contexts.
 */
export async function newCardContext(browser: Browser, options: CardContextOptions): Promise<BrowserContext> {
  const origin = new URL(options.certificateOrigin).origin;
  const card = options.card;
  const clientCertificates = card
    ? [
        'pfx' in card
          ? { origin, pfx: card.pfx, passphrase: card.passphrase }
          : { origin, cert: Buffer.from(card.cert), key: Buffer.from(card.key) },
      ]
    : [];
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: options.locale ?? 'nl-BE',
    clientCertificates,
  });
  const errors: string[] = [];
  consoleErrors.set(context, errors);
  // Chromium reports what it blocked (a Content-Security-Policy violation, a failed load) only
  // on the console: kept so a failing scenario can say why a page never came.
  context.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.page()?.url() ?? '?'}: ${message.text().trim()}`);
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  return context;
}

const consoleErrors = new WeakMap<BrowserContext, string[]>();

let screenshotDir: string | undefined;

/** Where failing scenarios leave their screenshots (one folder per test run). */
export function screenshotFolder(): string {
  screenshotDir ??= join(tmpdir(), `capacity-idp-e2e-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(screenshotDir, { recursive: true });
  return screenshotDir;
}

/**
 * Runs a scenario; when it fails, every open page of the contexts gets a full-page screenshot,
 * and their URLs, titles and the browser's console errors are added to the error, so a failure
 * in CI can be seen, not guessed.
 */
export async function withScreenshots<T>(name: string, contexts: () => BrowserContext[], scenario: () => Promise<T>): Promise<T> {
  try {
    return await scenario();
  } catch (err) {
    const taken: string[] = [];
    const logged = contexts().flatMap((context) => consoleErrors.get(context) ?? []);
    const slug = name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 80);
    let index = 0;
    for (const context of contexts()) {
      for (const page of context.pages()) {
        const file = join(screenshotFolder(), `${slug}-${++index}.png`);
        try {
          await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
          const title = await page.title().catch(() => '?');
          taken.push(`${file} (${page.url()}: "${title}")`);
        } catch {
          taken.push(`(no screenshot: ${page.url()})`);
        }
      }
    }
    if (err instanceof Error && (taken.length || logged.length)) {
      const note = `\n\nscreenshots:\n  ${taken.join('\n  ')}${logged.length ? `\n\nbrowser console errors:\n  ${logged.join('\n  ')}` : ''}`;
      // jest prints the stack, which holds the message as it was when the error was made.
      if (err.stack?.includes(err.message)) err.stack = err.stack.replace(err.message, err.message + note);
      err.message += note;
    }
    throw err;
  }
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; html: string }[];
}

/**
 * Runs axe-core on the page as it is and returns the serious and critical violations.
 * The provider's pages forbid every script (CSP default-src 'none'), so a <script> element
 * (page.addScriptTag) would be blocked; axe is evaluated through the DevTools protocol instead
 * (page.evaluate), which the page's CSP does not govern. The page keeps its real CSP.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const { document } = globalThis as unknown as { document: unknown };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
