// The languages of the Belgian public service (Dutch, French, German) plus English.
export const LOCALES = ['nl', 'fr', 'de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'nl';

/** Each language named in itself, as a language switcher shows it. */
export const LANGUAGE_NAMES: Record<Locale, string> = { nl: 'Nederlands', fr: 'Français', de: 'Deutsch', en: 'English' };

/** The cookie the language switcher sets; read after ui_locales, before Accept-Language. */
export const LOCALE_COOKIE = 'cidp_lang';

/** The query parameter of the language switcher's links: the language of that one page. */
export const LOCALE_SWITCH_PARAM = 'lang';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

function fromTags(tags: string | undefined): Locale | undefined {
  for (const tag of (tags ?? '').split(/\s+/)) {
    const primary = tag.toLowerCase().split('-')[0] ?? '';
    if (isLocale(primary)) return primary;
  }
  return undefined;
}

function fromAcceptLanguage(acceptLanguage: string | undefined): Locale | undefined {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { primary: tag.toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranked.find(({ primary }) => isLocale(primary))?.primary as Locale | undefined;
}

/**
 * Picks the page language: explicit `ui_locales` (OIDC Core 3.1.2.1, space-separated, in order of
 * preference) first, then the browser's Accept-Language with its q-values, then Dutch.
 */
export function negotiateLocale(uiLocales: string | undefined, acceptLanguage: string | undefined): Locale {
  return fromTags(uiLocales) ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE;
}

export interface LocaleSources {
  /** The language switcher's choice for this very page (`?lang=`). */
  switched?: string | undefined;
  /** ui_locales of the page URL or of the authorization request, in that order. */
  uiLocales?: (string | undefined)[];
  /** The language cookie a switcher set earlier. */
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
}

/**
 * The language of a page: the switcher's choice for this page, then what the relying party asked
 * for (ui_locales), then the person's earlier choice (cookie), then the browser, then Dutch.
 */
export function chooseLocale(sources: LocaleSources): Locale {
  if (isLocale(sources.switched)) return sources.switched;
  for (const uiLocales of sources.uiLocales ?? []) {
    const found = fromTags(uiLocales);
    if (found) return found;
  }
  if (isLocale(sources.cookie)) return sources.cookie;
  return fromAcceptLanguage(sources.acceptLanguage) ?? DEFAULT_LOCALE;
}
