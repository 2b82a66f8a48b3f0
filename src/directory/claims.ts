// Everything a token or a userinfo response says about a person, read in one round trip: the
// person, and, through the selection of the grant the token comes from, the entity and capacity
// they act for, their roles for the application there, the role they chose and their profiles.
// Read at every issuance, never cached across requests: a profile assigned or a role revoked
// after the login shows at the next refresh.
import type { Queryable } from '../store/database.ts';
import { calendarDay, isLocale, labelsFromRow, type Labels, type Locale } from './common.ts';
import { validOn } from './mandates.ts';

export interface SelectedMandateFacts {
  /** The language the relying party asked for in its latest authorization request; null: none. */
  claimsLocale: Locale | null;
  entity: { enterpriseNumber: string; type: string; nameNl: string | null; nameFr: string | null; nameDe: string | null };
  capacity: { code: string; labels: Labels };
  /** The chosen role, when the person still holds it today. */
  role: string | null;
  /** Every role the person holds today for the application at the entity. */
  roles: string[];
  /** The profiles assigned to the person for the application at the entity. */
  profiles: string[];
}

export interface TokenFacts {
  person: { id: string; givenName: string; familyName: string; preferredLocale: Locale };
  /**
   * Absent without a live selection for the grant, and when the chosen mandate no longer holds
   * today (revoked, expired, entity deactivated, capacity no longer accepted by the application).
   */
  selection?: SelectedMandateFacts;
}

export interface TokenFactsQuery {
  personId: string;
  /** The oidc-provider grant the token comes from; without it only the person is read. */
  grantId?: string | null;
  /** The client the grant belongs to: a selection is only ever read for its own client. */
  clientId?: string | null;
  /** The day the mandate and roles must hold on (a Date is read in Brussels). */
  on?: Date | string;
}

interface FactsRow {
  id: string;
  given_name: string;
  family_name: string;
  preferred_locale: string;
  selected: boolean;
  claims_locale: string | null;
  role_code: string | null;
  enterprise_number: string | null;
  type: string | null;
  name_nl: string | null;
  name_fr: string | null;
  name_de: string | null;
  capacity_code: string | null;
  label_nl: string | null;
  label_fr: string | null;
  label_de: string | null;
  label_en: string | null;
  roles: string[] | null;
  profiles: string[] | null;
}

// The mandate join carries every validity condition, so an invalid mandate reads as "no
// selection" (m.id IS NULL) rather than as a selection with stale values. Arrays travel as JSON:
// pg and PGlite agree on json, not on every array type.
const FACTS_SQL = `
SELECT p.id, p.given_name, p.family_name, p.preferred_locale,
  m.id IS NOT NULL AS selected, s.claims_locale, s.role_code,
  e.enterprise_number, e.type, e.name_nl, e.name_fr, e.name_de,
  c.code AS capacity_code, c.label_nl, c.label_fr, c.label_de, c.label_en,
  (SELECT coalesce(jsonb_agg(DISTINCT r.role_code ORDER BY r.role_code), '[]'::jsonb)
     FROM role_assignments r
    WHERE m.id IS NOT NULL AND r.person_id = p.id AND r.entity_id = m.entity_id AND r.client_id = s.client_id
      AND ${validOn('r', '$4')}) AS roles,
  (SELECT coalesce(jsonb_agg(pr.code ORDER BY pr.code), '[]'::jsonb)
     FROM profile_assignments pa JOIN profiles pr ON pr.id = pa.profile_id
    WHERE m.id IS NOT NULL AND pa.person_id = p.id AND pa.entity_id = m.entity_id AND pr.client_id = s.client_id) AS profiles
FROM persons p
LEFT JOIN mandate_selections s
  ON s.grant_id = $2 AND s.person_id = p.id AND s.client_id = $3 AND s.expires_at > now()
LEFT JOIN mandates m
  ON m.id = s.mandate_id AND m.person_id = p.id AND ${validOn('m', '$4')}
  AND EXISTS (SELECT 1 FROM application_capacities ac WHERE ac.client_id = s.client_id AND ac.capacity_code = m.capacity_code)
  AND EXISTS (SELECT 1 FROM entities active_entity WHERE active_entity.id = m.entity_id AND active_entity.active)
LEFT JOIN entities e ON e.id = m.entity_id
LEFT JOIN capacities c ON c.code = m.capacity_code
WHERE p.id = $1`;

function toFacts(row: FactsRow): TokenFacts {
  const person = {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    preferredLocale: isLocale(row.preferred_locale) ? row.preferred_locale : 'nl',
  } satisfies TokenFacts['person'];
  if (!row.selected) return { person };
  const roles = row.roles ?? [];
  return {
    person,
    selection: {
      claimsLocale: isLocale(row.claims_locale) ? row.claims_locale : null,
      entity: { enterpriseNumber: row.enterprise_number!, type: row.type!, nameNl: row.name_nl, nameFr: row.name_fr, nameDe: row.name_de },
      capacity: {
        code: row.capacity_code!,
        labels: labelsFromRow({ label_nl: row.label_nl!, label_fr: row.label_fr!, label_de: row.label_de!, label_en: row.label_en! }),
      },
      role: row.role_code !== null && roles.includes(row.role_code) ? row.role_code : null,
      roles,
      profiles: row.profiles ?? [],
    },
  };
}

export function createClaimsQueries(db: Queryable) {
  return {
    /** The person (undefined when unknown) and what the grant's selection makes of them today. */
    async tokenFacts(query: TokenFactsQuery): Promise<TokenFacts | undefined> {
      const { rows } = await db.query<FactsRow>(FACTS_SQL, [query.personId, query.grantId ?? null, query.clientId ?? null, calendarDay(query.on ?? new Date())]);
      return rows[0] && toFacts(rows[0]);
    },

    /** Records the language of the grant's latest authorization request; false when there was nothing to change. */
    async rememberClaimsLocale(grantId: string, locale: Locale | null): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE mandate_selections SET claims_locale = $2::text WHERE grant_id = $1 AND claims_locale IS DISTINCT FROM $2::text',
        [grantId, locale],
      );
      return rowCount > 0;
    },
  };
}

export type ClaimsQueries = ReturnType<typeof createClaimsQueries>;
