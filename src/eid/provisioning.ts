// After a card is validated, the person is found by national register number (through its
// keyed hash) or created on this first login with the names from the certificate and no
// mandates: an access manager grants those later. The names follow the card, which is the
// authoritative source for them.
import type { PersonQueries, Person } from '../directory/persons.ts';
import type { Locale } from '../i18n/locale.ts';
import type { CardHolder } from './types.ts';

export interface ProvisionedPerson {
  person: Person;
  /** True when this login created the person. */
  created: boolean;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

export async function findOrProvisionPerson(persons: PersonQueries, holder: CardHolder, locale: Locale): Promise<ProvisionedPerson> {
  const existing = await persons.findByNationalNumber(holder.nationalNumber);
  if (existing) {
    if (existing.givenName !== holder.givenName || existing.familyName !== holder.familyName) {
      const updated = await persons.updateProfile(existing.id, { givenName: holder.givenName, familyName: holder.familyName });
      return { person: updated ?? existing, created: false };
    }
    return { person: existing, created: false };
  }
  try {
    const person = await persons.create({ nationalNumber: holder.nationalNumber, givenName: holder.givenName, familyName: holder.familyName, preferredLocale: locale });
    return { person, created: true };
  } catch (err) {
    // Two first logins of the same person at once (two tabs, two instances): the other one won.
    if (!isUniqueViolation(err)) throw err;
    const winner = await persons.findByNationalNumber(holder.nationalNumber);
    if (!winner) throw err;
    return { person: winner, created: false };
  }
}
