// The entity, capacity and role a person chose for an application in a provider session,
// stored per oidc-provider grant. Read on every token issuance (claims are computed then, so a
// profile assigned after the login shows at the next refresh), and searched by mandate, role or
// person when an access manager revokes something a session depends on.
import type { Queryable } from '../store/database.ts';

export interface MandateSelection {
  grantId: string;
  personId: string;
  clientId: string;
  mandateId: string;
  /** Null when the application defines no role the person holds at that entity. */
  roleCode: string | null;
  sessionUid: string | null;
  sid: string | null;
  selectedAt: Date;
  expiresAt: Date;
}

export interface NewMandateSelection {
  grantId: string;
  personId: string;
  clientId: string;
  mandateId: string;
  roleCode: string | null;
  sessionUid?: string | null;
  sid?: string | null;
  expiresAt: Date;
}

interface SelectionRow {
  grant_id: string;
  person_id: string;
  client_id: string;
  mandate_id: string;
  role_code: string | null;
  session_uid: string | null;
  sid: string | null;
  selected_at: Date;
  expires_at: Date;
}

const COLUMNS = 'grant_id, person_id, client_id, mandate_id, role_code, session_uid, sid, selected_at, expires_at';

function toSelection(row: SelectionRow): MandateSelection {
  return {
    grantId: row.grant_id,
    personId: row.person_id,
    clientId: row.client_id,
    mandateId: row.mandate_id,
    roleCode: row.role_code,
    sessionUid: row.session_uid,
    sid: row.sid,
    selectedAt: new Date(row.selected_at),
    expiresAt: new Date(row.expires_at),
  };
}

export function createSelectionQueries(db: Queryable) {
  return {
    /** Records (or replaces, when the person switches) the choice for a grant. */
    async save(input: NewMandateSelection): Promise<MandateSelection> {
      const { rows } = await db.query<SelectionRow>(
        `INSERT INTO mandate_selections (grant_id, person_id, client_id, mandate_id, role_code, session_uid, sid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (grant_id) DO UPDATE SET mandate_id = EXCLUDED.mandate_id, role_code = EXCLUDED.role_code,
           session_uid = EXCLUDED.session_uid, sid = EXCLUDED.sid, selected_at = now(), expires_at = EXCLUDED.expires_at
         WHERE mandate_selections.person_id = EXCLUDED.person_id AND mandate_selections.client_id = EXCLUDED.client_id
         RETURNING ${COLUMNS}`,
        [input.grantId, input.personId, input.clientId, input.mandateId, input.roleCode, input.sessionUid ?? null, input.sid ?? null, input.expiresAt.toISOString()],
      );
      if (!rows[0]) throw new Error('a grant belongs to one person and one client; its selection cannot move to another');
      return toSelection(rows[0]);
    },

    /** The live selection of a grant, or undefined. */
    async findByGrant(grantId: string, now: Date = new Date()): Promise<MandateSelection | undefined> {
      const { rows } = await db.query<SelectionRow>(`SELECT ${COLUMNS} FROM mandate_selections WHERE grant_id = $1 AND expires_at > $2`, [grantId, now.toISOString()]);
      return rows[0] && toSelection(rows[0]);
    },

    async listForMandate(mandateId: string): Promise<MandateSelection[]> {
      const { rows } = await db.query<SelectionRow>(`SELECT ${COLUMNS} FROM mandate_selections WHERE mandate_id = $1`, [mandateId]);
      return rows.map(toSelection);
    },

    /** Selections of a person at an entity for an application holding a role (for role revocation). */
    async listForRole(personId: string, entityId: string, clientId: string, roleCode: string): Promise<MandateSelection[]> {
      const { rows } = await db.query<SelectionRow>(
        `SELECT ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')} FROM mandate_selections s JOIN mandates m ON m.id = s.mandate_id
         WHERE s.person_id = $1 AND m.entity_id = $2 AND s.client_id = $3 AND s.role_code = $4`,
        [personId, entityId, clientId, roleCode],
      );
      return rows.map(toSelection);
    },

    async listForPerson(personId: string): Promise<MandateSelection[]> {
      const { rows } = await db.query<SelectionRow>(`SELECT ${COLUMNS} FROM mandate_selections WHERE person_id = $1`, [personId]);
      return rows.map(toSelection);
    },

    async delete(grantId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM mandate_selections WHERE grant_id = $1', [grantId]);
      return rowCount > 0;
    },

    /** Removes selections whose grant has expired; returns how many. */
    async pruneExpired(now: Date = new Date()): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM mandate_selections WHERE expires_at <= $1', [now.toISOString()]);
      return rowCount;
    },
  };
}

export type SelectionQueries = ReturnType<typeof createSelectionQueries>;
