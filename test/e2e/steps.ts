// The person's steps in the browser, named as the walkthrough names them
// (../shared/seed/portal-walkthrough.en.md), and what they read on each page.
import type { BrowserContext, Page } from 'playwright-core';
import type { Locale } from '../../src/i18n/locale.ts';
import { t } from '../../src/i18n/messages.ts';

export async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').first().textContent()) ?? '').trim();
}

/** Waits until the page's main heading is `title` (pages change by navigation or form posts). */
export async function waitForHeading(page: Page, title: string): Promise<void> {
  try {
    await page.locator('h1', { hasText: title }).first().waitFor({ state: 'visible' });
  } catch (err) {
    throw new Error(`expected the page "${title}", but ${page.url()} shows "${await heading(page).catch(() => '?')}"`, { cause: err });
  }
  const shown = await heading(page);
  if (shown !== title) throw new Error(`expected the page "${title}", got "${shown}" at ${page.url()}`);
}

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** PrimaWeb's start page, then "Aanmelden": the provider's login page in the browser's language. */
export async function openPrimawebAndSignIn(page: Page, primawebUrl: string): Promise<void> {
  await page.goto(`${primawebUrl}/`);
  await waitForHeading(page, 'Welkom bij PrimaWeb');
  await page.getByRole('link', { name: 'Aanmelden', exact: true }).click();
}

/** "Aanmelden met eID": through the certificate origin (the card's certificate) and back. */
export async function signInWithEid(page: Page, locale: Locale = 'nl'): Promise<void> {
  await waitForHeading(page, t(locale, 'login.title'));
  await page.getByRole('link', { name: t(locale, 'login.eid.button') }).click();
}

/** The entity and capacity list: the options as read by a screen reader (label of each radio). */
export async function mandateOptions(page: Page): Promise<string[]> {
  const radios = page.getByRole('radio');
  const labels: string[] = [];
  for (let i = 0; i < (await radios.count()); i++) {
    const id = await radios.nth(i).getAttribute('id');
    labels.push(await text(page, `label[for="${id}"]`));
  }
  return labels;
}

/** Chooses the entity and capacity and clicks "Applicatie opstarten". */
export async function startApplicationFor(page: Page, entityName: string, locale: Locale = 'nl'): Promise<void> {
  await waitForHeading(page, t(locale, 'mandate.title'));
  await page.getByRole('radio', { name: new RegExp(entityName) }).check();
  await page.getByRole('button', { name: t(locale, 'mandate.submit') }).click();
}

/** The role choice: picks the role and clicks "kiezen". */
export async function chooseRole(page: Page, roleLabel: string, locale: Locale = 'nl'): Promise<void> {
  await waitForHeading(page, t(locale, 'role.title'));
  await page.getByRole('radio', { name: roleLabel, exact: true }).check();
  await page.getByRole('button', { name: t(locale, 'role.submit'), exact: true }).click();
}

export interface PrimawebHome {
  title: string;
  person: string;
  entity: string;
  enterpriseNumber: string;
  capacity: string;
  role: string;
  firstLogin: boolean;
  profiles: string[];
  notice?: string;
}

/** PrimaWeb's landing page once the browser is back from the provider. */
export async function readPrimawebHome(page: Page, primawebUrl: string): Promise<PrimawebHome> {
  await page.waitForURL(`${primawebUrl}/`);
  await page.locator('#entity').waitFor();
  const notice = page.locator('p.ok[role="status"]');
  return {
    title: await heading(page),
    person: await text(page, '#person'),
    entity: await text(page, '#entity'),
    enterpriseNumber: await text(page, '#enterprise-number'),
    capacity: await text(page, '#capacity'),
    role: await text(page, '#role'),
    firstLogin: (await page.locator('#first-login').count()) > 0,
    profiles: await page.locator('#profiles li').allTextContents(),
    ...((await notice.count()) > 0 ? { notice: await text(page, 'p.ok[role="status"]') } : {}),
  };
}

/**
 * Records, for a browser context, every request to the provider's pages and to the certificate
 * origin, so a test can say that no login (no eID) happened.
 */
export function recordRequests(context: BrowserContext, origins: { issuer: string; certificateOrigin: string }) {
  const seen: URL[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(origins.issuer).origin || url.origin === new URL(origins.certificateOrigin).origin) seen.push(url);
  });
  return {
    clear: () => void seen.splice(0),
    /** Requests to the certificate origin: each is an eID handshake. */
    eidLogins: () => seen.filter((u) => u.origin === new URL(origins.certificateOrigin).origin).length,
    /** Paths requested at the provider's main origin. */
    providerPaths: () => seen.filter((u) => u.origin === new URL(origins.issuer).origin).map((u) => u.pathname),
  };
}

/** The main headings of the pages a tab shows, in order (for "went straight through" checks). */
export function recordHeadings(page: Page): string[] {
  const seen: string[] = [];
  page.on('load', () => {
    page
      .locator('h1')
      .first()
      .textContent({ timeout: 2_000 })
      .then((h) => seen.push((h ?? '').trim()))
      .catch(() => {});
  });
  return seen;
}
