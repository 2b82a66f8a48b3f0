// A mandate says that a person may act for an entity in a capacity during a period of days.
// Login offers exactly the mandates valid today, of active entities, in a capacity the
// requesting application accepts.
import type { Queryable } from '../store/database.ts';
import { calendarDay, labelsFromRow, newId, type Labels } from './common.ts';
import { toEntity, type Entity } from './entities.ts';

export interface Mandate {
  id: string;
  personId: string;
  entityId: string;
  capacityCode: string;
  /** YYYY-MM-DD, first day the mandate holds. */
  validFrom: string;
  /** YYYY-MM-DD, last day it holds (inclusive); null when open-ended. */
  validUntil: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A valid mandate with what the selection screen and the tokens need to show it. */
export interface ValidMandate extends Mandate {
  entity: Entity;
  capacity: { code: string; labels: Labels };
}

export interface NewMandate {
  personId: string;
  entityId: string;
  capacityCode: string;
  validFrom: string | Date;
  validUntil?: string | Date | null;
}

interface MandateRow {
  id: string;
  person_id: string;
  entity_id: string;
  capacity_code: string;
  valid_from: string;
  valid_until: string | null;
  revoked_at: Date | null;
  created_at: Date;
}

// Dates come back as text: pg would turn a `date` into a Date at local midnight, which shifts
// the day in any time zone west of UTC.
const COLUMNS = 'm.id, m.person_id, m.entity_id, m.capacity_code, m.valid_from::text AS valid_from, m.valid_until::text AS valid_until, m.revoked_at, m.created_at';

function toMandate(row: MandateRow): Mandate {
  return {
    id: row.id,
    personId: row.person_id,
    entityId: row.entity_id,
    capacityCode: row.capacity_code,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

interface ValidMandateRow extends MandateRow {
  e_id: string;
  enterprise_number: string;
  type: string;
  name_nl: string | null;
  name_fr: string | null;
  name_de: string | null;
  active: boolean;
  e_created_at: Date;
  e_updated_at: Date;
  label_nl: string;
  label_fr: string;
  label_de: string;
  label_en: string;
}

/** SQL condition "row of alias `a` holds on day $n" for tables with valid_from/valid_until/revoked_at. */
export function validOn(alias: string, param: string): string {
  return `${alias}.revoked_at IS NULL AND ${alias}.valid_from <= ${param}::date AND (${alias}.valid_until IS NULL OR ${alias}.valid_until >= ${param}::date)`;
}

export function createMandateQueries(db: Queryable) {
  return {
    async create(input: NewMandate): Promise<Mandate> {
      const { rows } = await db.query<MandateRow>(
        `INSERT INTO mandates AS m (id, person_id, entity_id, capacity_code, valid_from, valid_until)
         VALUES ($1, $2, $3, $4, $5::date, $6::date) RETURNING ${COLUMNS}`,
        [newId(), input.personId, input.entityId, input.capacityCode, calendarDay(input.validFrom), input.validUntil ? calendarDay(input.validUntil) : null],
      );
      return toMandate(rows[0]!);
    },

    async findById(id: string): Promise<Mandate | undefined> {
      const { rows } = await db.query<MandateRow>(`SELECT ${COLUMNS} FROM mandates m WHERE m.id = $1`, [id]);
      return rows[0] && toMandate(rows[0]);
    },

    /** Every mandate of the person, revoked and expired ones included, newest first. */
    async listForPerson(personId: string): Promise<Mandate[]> {
      const { rows } = await db.query<MandateRow>(`SELECT ${COLUMNS} FROM mandates m WHERE m.person_id = $1 ORDER BY m.valid_from DESC, m.id`, [personId]);
      return rows.map(toMandate);
    },

    /**
     * Mandates the person holds on `on` (a Date is read as a day in Brussels) for active
     * entities; with `clientId`, only in capacities that application accepts.
     */
    async validForPerson(personId: string, on: Date | string = new Date(), clientId?: string): Promise<ValidMandate[]> {
      const { rows } = await db.query<ValidMandateRow>(
        `SELECT ${COLUMNS},
           e.id AS e_id, e.enterprise_number, e.type, e.name_nl, e.name_fr, e.name_de, e.active,
           e.created_at AS e_created_at, e.updated_at AS e_updated_at,
           c.label_nl, c.label_fr, c.label_de, c.label_en
         FROM mandates m
         JOIN entities e ON e.id = m.entity_id AND e.active
         JOIN capacities c ON c.code = m.capacity_code
         WHERE m.person_id = $1 AND ${validOn('m', '$2')}
           AND ($3::text IS NULL OR EXISTS (
             SELECT 1 FROM application_capacities ac JOIN applications a ON a.client_id = ac.client_id AND a.active
             WHERE ac.client_id = $3 AND ac.capacity_code = m.capacity_code))
         ORDER BY coalesce(e.name_nl, e.name_fr, e.name_de), m.capacity_code, m.id`,
        [personId, calendarDay(on), clientId ?? null],
      );
      return rows.map((row) => ({
        ...toMandate(row),
        entity: toEntity({ ...row, id: row.e_id, created_at: row.e_created_at, updated_at: row.e_updated_at }),
        capacity: { code: row.capacity_code, labels: labelsFromRow(row) },
      }));
    },

    async revoke(id: string, at: Date = new Date()): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE mandates SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at.toISOString()]);
      return rowCount > 0;
    },
  };
}

export type MandateQueries = ReturnType<typeof createMandateQueries>;
