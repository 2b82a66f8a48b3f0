// Persons are found by national register number but never store it in clear: the number is
// sealed (AES-GCM, bound to the person id so a ciphertext copied to another row is useless)
// and looked up through an HMAC, so a database dump alone reveals no numbers.
import { lookupHash, open, seal, type Secrets } from '../crypto/secrets.ts';
import type { Queryable } from '../store/database.ts';
import { isLocale, newId, type Locale } from './common.ts';
import { normaliseNationalNumber } from './identifiers.ts';

export type PersonSecrets = Pick<Secrets, 'personalDataKey' | 'lookupHashKey'>;

export interface Person {
  /** Stable opaque id, used as the OIDC `sub`. */
  id: string;
  givenName: string;
  familyName: string;
  preferredLocale: Locale;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

export interface NewPerson {
  nationalNumber: string;
  givenName: string;
  familyName: string;
  preferredLocale?: Locale;
}

interface PersonRow {
  id: string;
  given_name: string;
  family_name: string;
  preferred_locale: string;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
}

const COLUMNS = 'id, given_name, family_name, preferred_locale, created_at, updated_at, last_login_at';

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    preferredLocale: isLocale(row.preferred_locale) ? row.preferred_locale : 'nl',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

const sealContext = (personId: string) => `person-nrn:${personId}`;

export function createPersonQueries(db: Queryable, secrets: PersonSecrets) {
  const hashOf = (nationalNumber: string) => lookupHash(secrets.lookupHashKey, normaliseNationalNumber(nationalNumber));

  return {
    /** Creates a person; throws InvalidIdentifierError for an invalid number, and a unique violation when it exists. */
    async create(input: NewPerson): Promise<Person> {
      const nrn = normaliseNationalNumber(input.nationalNumber);
      const id = newId();
      const { rows } = await db.query<PersonRow>(
        `INSERT INTO persons (id, nrn_encrypted, nrn_hash, given_name, family_name, preferred_locale)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [id, seal(secrets.personalDataKey, nrn, sealContext(id)), hashOf(nrn), input.givenName, input.familyName, input.preferredLocale ?? 'nl'],
      );
      return toPerson(rows[0]!);
    },

    async findById(id: string): Promise<Person | undefined> {
      const { rows } = await db.query<PersonRow>(`SELECT ${COLUMNS} FROM persons WHERE id = $1`, [id]);
      return rows[0] && toPerson(rows[0]);
    },

    /** Undefined for unknown and for invalid numbers alike: callers show the same "not registered" answer. */
    async findByNationalNumber(nationalNumber: string): Promise<Person | undefined> {
      let hash: string;
      try {
        hash = hashOf(nationalNumber);
      } catch {
        return undefined;
      }
      const { rows } = await db.query<PersonRow>(`SELECT ${COLUMNS} FROM persons WHERE nrn_hash = $1`, [hash]);
      return rows[0] && toPerson(rows[0]);
    },

    /** The clear number, for the few places allowed to see it (an `allow_nrn` application's claims). */
    async revealNationalNumber(personId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ nrn_encrypted: string }>('SELECT nrn_encrypted FROM persons WHERE id = $1', [personId]);
      if (!rows[0]) return undefined;
      return open(secrets.personalDataKey, rows[0].nrn_encrypted, sealContext(personId)).toString('utf8');
    },

    async updateProfile(id: string, changes: { givenName?: string; familyName?: string; preferredLocale?: Locale }): Promise<Person | undefined> {
      const { rows } = await db.query<PersonRow>(
        `UPDATE persons SET given_name = coalesce($2, given_name), family_name = coalesce($3, family_name),
           preferred_locale = coalesce($4, preferred_locale), updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, changes.givenName ?? null, changes.familyName ?? null, changes.preferredLocale ?? null],
      );
      return rows[0] && toPerson(rows[0]);
    },

    async recordLogin(id: string, at: Date = new Date()): Promise<void> {
      await db.query('UPDATE persons SET last_login_at = $2 WHERE id = $1', [id, at.toISOString()]);
    },

    async delete(id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM persons WHERE id = $1', [id]);
      return rowCount > 0;
    },
  };
}

export type PersonQueries = ReturnType<typeof createPersonQueries>;
