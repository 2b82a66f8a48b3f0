// Reading the interaction pages the way a person (or a keyboard) uses them: the forms, their
// hidden form token, the radio buttons with their labels, the language switcher.
import type { Browser, BrowserResponse } from '../../support/server.ts';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
export const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]!);
const textOf = (html: string) => unescapeHtml(html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

export interface Choice {
  name: string;
  value: string;
  id: string;
  /** The text of the <label for=id>. */
  label: string;
  checked: boolean;
}

export interface PageForm {
  action: string;
  csrf?: string;
  hidden: Record<string, string>;
  choices: Choice[];
  legend?: string;
  buttons: { name?: string; value?: string; text: string }[];
}

export interface InteractionPage {
  status: number;
  url: URL;
  lang: string;
  title: string;
  text: string;
  forms: PageForm[];
  switcher: { lang: string; href: string; text: string }[];
  html: string;
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) out[m[1]!] = unescapeHtml(m[2] ?? '');
  return out;
}

export function readPage(response: BrowserResponse): InteractionPage {
  const html = response.text;
  const forms = [...html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)].map(([, action, inner]) => {
    const hidden: Record<string, string> = {};
    for (const m of inner!.matchAll(/<input type="hidden"([^>]*)>/g)) {
      const a = attributes(m[1]!);
      hidden[a.name!] = a.value!;
    }
    const labels = new Map([...inner!.matchAll(/<label for="([^"]+)">([\s\S]*?)<\/label>/g)].map((m) => [m[1]!, textOf(m[2]!)]));
    const choices = [...inner!.matchAll(/<input type="radio"([^>]*)>/g)].map((m) => {
      const a = attributes(m[1]!);
      return { name: a.name!, value: a.value!, id: a.id!, label: labels.get(a.id!) ?? '', checked: 'checked' in a };
    });
    const buttons = [...inner!.matchAll(/<button([^>]*)>([^<]*)<\/button>/g)].map((m) => {
      const a = attributes(m[1]!);
      return { ...(a.name ? { name: a.name } : {}), ...(a.value ? { value: a.value } : {}), text: unescapeHtml(m[2]!) };
    });
    const legend = /<legend>([^<]*)<\/legend>/.exec(inner!)?.[1];
    return { action: unescapeHtml(action!), ...(hidden.csrf ? { csrf: hidden.csrf } : {}), hidden, choices, ...(legend ? { legend: unescapeHtml(legend) } : {}), buttons };
  });
  const nav = /<nav aria-label="[^"]*">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  const switcher = [...nav.matchAll(/<a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+">([^<]*)<\/a>/g)].map((m) => ({ href: unescapeHtml(m[1]!), lang: m[2]!, text: unescapeHtml(m[3]!) }));
  return {
    status: response.status,
    url: response.url,
    lang: /<html lang="([^"]+)">/.exec(html)?.[1] ?? '',
    title: unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? ''),
    text: textOf(/<main>([\s\S]*)<\/main>/.exec(html)?.[1] ?? ''),
    forms,
    switcher,
    html,
  };
}

/** The form that holds the radio buttons named `name` (or has a button named so). */
export function formWith(page: InteractionPage, name: string): PageForm {
  const form = page.forms.find((f) => f.choices.some((c) => c.name === name) || f.buttons.some((b) => b.name === name));
  if (!form) throw new Error(`no form with "${name}" on "${page.title}": ${page.text.slice(0, 300)}`);
  return form;
}

/** Submits `form` as a browser does: its hidden fields plus `fields`. */
export async function submit(browser: Browser, page: InteractionPage, form: PageForm, fields: Record<string, string>, stop: (url: URL) => boolean) {
  const body = new URLSearchParams({ ...form.hidden, ...fields });
  return browser.follow(new URL(form.action, page.url), stop, { method: 'POST', body });
}

/** POSTs a hand-made body (a tampered or forged form). */
export async function post(browser: Browser, page: InteractionPage, action: string, body: URLSearchParams) {
  return browser.request(new URL(action, page.url), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}
