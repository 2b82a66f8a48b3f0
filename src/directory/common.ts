// Small shared vocabulary of the directory modules.
import { randomBytes } from 'node:crypto';

export { LOCALES, isLocale, type Locale } from '../i18n/locale.ts';

/** A label in each language the product speaks. */
export interface Labels {
  nl: string;
  fr: string;
  de: string;
  en: string;
}

/** Opaque random id: 16 bytes of randomness, base64url (22 characters). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The calendar day (YYYY-MM-DD) on which `at` falls in Belgium. Mandates are granted for days,
 * and a day begins at midnight in Brussels, not in UTC.
 */
export function calendarDay(at: Date | string = new Date(), timeZone = 'Europe/Brussels'): string {
  if (typeof at === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at)) throw new RangeError(`expected a date as YYYY-MM-DD, got ${JSON.stringify(at)}`);
    return at;
  }
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function labelsFromRow(row: { label_nl: string; label_fr: string; label_de: string; label_en: string }): Labels {
  return { nl: row.label_nl, fr: row.label_fr, de: row.label_de, en: row.label_en };
}
