// Every text the provider renders exists in Dutch, French, German and English.
import { DEFAULT_LOCALE, LOCALES, negotiateLocale } from '../../../src/i18n/locale.ts';
import { MESSAGES, t, type MessageKey } from '../../../src/i18n/messages.ts';

describe('messages', () => {
  const keys = Object.keys(MESSAGES[DEFAULT_LOCALE]) as MessageKey[];

  test('the four languages of the pages are nl, fr, de and en, Dutch first', () => {
    expect([...LOCALES].sort()).toEqual(['de', 'en', 'fr', 'nl']);
    expect(Object.keys(MESSAGES).sort()).toEqual([...LOCALES].sort());
    expect(DEFAULT_LOCALE).toBe('nl');
  });

  test.each(LOCALES)('%s has every key, each a non-empty text, and no key of its own', (locale) => {
    expect(Object.keys(MESSAGES[locale]).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(t(locale, key).trim()).not.toBe('');
  });

  test.each(LOCALES.filter((l) => l !== DEFAULT_LOCALE))('%s is translated, not left in Dutch', (locale) => {
    for (const key of keys) expect({ key, text: t(locale, key) }).not.toEqual({ key, text: t(DEFAULT_LOCALE, key) });
  });
});

describe('negotiateLocale', () => {
  test('ui_locales wins, in its own order of preference, over Accept-Language', () => {
    expect(negotiateLocale('fr de', 'de')).toBe('fr');
    expect(negotiateLocale('de fr', 'fr;q=1')).toBe('de');
    expect(negotiateLocale('en-GB', 'nl-BE')).toBe('en');
    expect(negotiateLocale('FR-be', undefined)).toBe('fr');
  });

  test('languages we do not offer are skipped in ui_locales', () => {
    expect(negotiateLocale('es it de', 'fr')).toBe('de');
    expect(negotiateLocale('es', 'fr')).toBe('fr');
    expect(negotiateLocale('', 'fr')).toBe('fr');
  });

  test('Accept-Language is ranked by q-value, then by position', () => {
    expect(negotiateLocale(undefined, 'en;q=0.5, de;q=0.9')).toBe('de');
    expect(negotiateLocale(undefined, 'fr-BE,fr;q=0.9,en;q=0.8,nl;q=0.7')).toBe('fr');
    expect(negotiateLocale(undefined, 'de, fr')).toBe('de');
    expect(negotiateLocale(undefined, 'en;q=0.8, fr;q=0.8')).toBe('en');
    expect(negotiateLocale(undefined, 'es-ES, es;q=0.9, de;q=0.1')).toBe('de');
    expect(negotiateLocale(undefined, 'DE-de')).toBe('de');
  });

  test('q=0 means "not this one", and a malformed q-value does not win', () => {
    expect(negotiateLocale(undefined, 'fr;q=0, en;q=0.1')).toBe('en');
    expect(negotiateLocale(undefined, 'fr;q=abc, en;q=0.5')).toBe('en');
  });

  test('Dutch when nothing usable is asked for', () => {
    expect(negotiateLocale(undefined, undefined)).toBe('nl');
    expect(negotiateLocale(undefined, '')).toBe('nl');
    expect(negotiateLocale(undefined, '*')).toBe('nl');
    expect(negotiateLocale('es', 'it, pt;q=0.5')).toBe('nl');
    expect(negotiateLocale(undefined, 'fr;q=0')).toBe('nl');
  });
});
