// Roles are defined by each application and granted to a person for one entity, for a period
// of days. Tokens carry the roles valid for the entity chosen at login.
import type { Queryable } from '../store/database.ts';
import { calendarDay, labelsFromRow, newId, type Labels } from './common.ts';
import { validOn } from './mandates.ts';

export interface ApplicationRole {
  clientId: string;
  code: string;
  labels: Labels;
}

export interface RoleAssignment {
  id: string;
  personId: string;
  entityId: string;
  clientId: string;
  roleCode: string;
  /** YYYY-MM-DD, inclusive. */
  validFrom: string;
  /** YYYY-MM-DD, inclusive; null when open-ended. */
  validUntil: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface NewRoleAssignment {
  personId: string;
  entityId: string;
  clientId: string;
  roleCode: string;
  validFrom: string | Date;
  validUntil?: string | Date | null;
}

interface RoleRow {
  client_id: string;
  code: string;
  label_nl: string;
  label_fr: string;
  label_de: string;
  label_en: string;
}

interface AssignmentRow {
  id: string;
  person_id: string;
  entity_id: string;
  client_id: string;
  role_code: string;
  valid_from: string;
  valid_until: string | null;
  revoked_at: Date | null;
  created_at: Date;
}

const toRole = (row: RoleRow): ApplicationRole => ({ clientId: row.client_id, code: row.code, labels: labelsFromRow(row) });

const ASSIGNMENT_COLUMNS =
  'r.id, r.person_id, r.entity_id, r.client_id, r.role_code, r.valid_from::text AS valid_from, r.valid_until::text AS valid_until, r.revoked_at, r.created_at';

function toAssignment(row: AssignmentRow): RoleAssignment {
  return {
    id: row.id,
    personId: row.person_id,
    entityId: row.entity_id,
    clientId: row.client_id,
    roleCode: row.role_code,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

export function createRoleQueries(db: Queryable) {
  return {
    /** Creates the role or replaces its labels. */
    async upsertRole(role: ApplicationRole): Promise<{ role: ApplicationRole; created: boolean }> {
      const { rows } = await db.query<RoleRow & { inserted: boolean }>(
        `INSERT INTO application_roles (client_id, code, label_nl, label_fr, label_de, label_en) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (client_id, code) DO UPDATE SET label_nl = excluded.label_nl, label_fr = excluded.label_fr,
           label_de = excluded.label_de, label_en = excluded.label_en
         RETURNING client_id, code, label_nl, label_fr, label_de, label_en, (xmax = 0) AS inserted`,
        [role.clientId, role.code, role.labels.nl, role.labels.fr, role.labels.de, role.labels.en],
      );
      return { role: toRole(rows[0]!), created: rows[0]!.inserted };
    },

    async listForApplication(clientId: string): Promise<ApplicationRole[]> {
      const { rows } = await db.query<RoleRow>(
        'SELECT client_id, code, label_nl, label_fr, label_de, label_en FROM application_roles WHERE client_id = $1 ORDER BY code',
        [clientId],
      );
      return rows.map(toRole);
    },

    async deleteRole(clientId: string, code: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM application_roles WHERE client_id = $1 AND code = $2', [clientId, code]);
      return rowCount > 0;
    },

    async assign(input: NewRoleAssignment): Promise<RoleAssignment> {
      const { rows } = await db.query<AssignmentRow>(
        `INSERT INTO role_assignments AS r (id, person_id, entity_id, client_id, role_code, valid_from, valid_until)
         VALUES ($1, $2, $3, $4, $5, $6::date, $7::date) RETURNING ${ASSIGNMENT_COLUMNS}`,
        [
          newId(),
          input.personId,
          input.entityId,
          input.clientId,
          input.roleCode,
          calendarDay(input.validFrom),
          input.validUntil ? calendarDay(input.validUntil) : null,
        ],
      );
      return toAssignment(rows[0]!);
    },

    async listAssignmentsForPerson(personId: string): Promise<RoleAssignment[]> {
      const { rows } = await db.query<AssignmentRow>(
        `SELECT ${ASSIGNMENT_COLUMNS} FROM role_assignments r WHERE r.person_id = $1 ORDER BY r.client_id, r.entity_id, r.role_code, r.valid_from`,
        [personId],
      );
      return rows.map(toAssignment);
    },

    /** The roles the person holds in the application for that entity on that day (a Date is read in Brussels). */
    async rolesFor(personId: string, entityId: string, clientId: string, on: Date | string = new Date()): Promise<ApplicationRole[]> {
      const { rows } = await db.query<RoleRow>(
        `SELECT DISTINCT ar.client_id, ar.code, ar.label_nl, ar.label_fr, ar.label_de, ar.label_en
         FROM role_assignments r
         JOIN application_roles ar ON ar.client_id = r.client_id AND ar.code = r.role_code
         WHERE r.person_id = $1 AND r.entity_id = $2 AND r.client_id = $3 AND ${validOn('r', '$4')}
         ORDER BY ar.code`,
        [personId, entityId, clientId, calendarDay(on)],
      );
      return rows.map(toRole);
    },

    async revokeAssignment(id: string, at: Date = new Date()): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE role_assignments SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at.toISOString()]);
      return rowCount > 0;
    },
  };
}

export type RoleQueries = ReturnType<typeof createRoleQueries>;
