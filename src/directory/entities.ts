// Entities are the organisations people act for: public social welfare centres (OCMW/CPAS/
// ÖSHZ), their associations, and the federal administration. Identified externally by their
// enterprise number (KBO/BCE).
import type { Queryable } from '../store/database.ts';
import { newId } from './common.ts';
import { normaliseEnterpriseNumber } from './identifiers.ts';

export interface Entity {
  id: string;
  /** 10 digits, no separators. */
  enterpriseNumber: string;
  /** e.g. OCMW, CPAS, OSHZ, OCMW_ASSOCIATION, POD_MI. */
  type: string;
  nameNl: string | null;
  nameFr: string | null;
  nameDe: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewEntity {
  enterpriseNumber: string;
  type: string;
  nameNl?: string | null;
  nameFr?: string | null;
  nameDe?: string | null;
  active?: boolean;
}

interface EntityRow {
  id: string;
  enterprise_number: string;
  type: string;
  name_nl: string | null;
  name_fr: string | null;
  name_de: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, enterprise_number, type, name_nl, name_fr, name_de, active, created_at, updated_at';

export function toEntity(row: EntityRow): Entity {
  return {
    id: row.id,
    enterpriseNumber: row.enterprise_number,
    type: row.type,
    nameNl: row.name_nl,
    nameFr: row.name_fr,
    nameDe: row.name_de,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The entity's name in `locale`, falling back to the other official languages. */
export function entityName(entity: Pick<Entity, 'nameNl' | 'nameFr' | 'nameDe'>, locale: string): string {
  const order =
    locale === 'fr' ? [entity.nameFr, entity.nameNl, entity.nameDe] : locale === 'de' ? [entity.nameDe, entity.nameFr, entity.nameNl] : [entity.nameNl, entity.nameFr, entity.nameDe];
  return order.find((n): n is string => !!n) ?? '';
}

export function createEntityQueries(db: Queryable) {
  const params = (input: NewEntity) => [
    normaliseEnterpriseNumber(input.enterpriseNumber),
    input.type,
    input.nameNl ?? null,
    input.nameFr ?? null,
    input.nameDe ?? null,
    input.active ?? true,
  ];

  return {
    /** Throws InvalidIdentifierError for a wrong enterprise number, a unique violation when it exists. */
    async create(input: NewEntity): Promise<Entity> {
      const { rows } = await db.query<EntityRow>(
        `INSERT INTO entities (id, enterprise_number, type, name_nl, name_fr, name_de, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [newId(), ...params(input)],
      );
      return toEntity(rows[0]!);
    },

    /** Creates the entity, or updates type, names and active flag of the one with that enterprise number. */
    async upsertByEnterpriseNumber(input: NewEntity): Promise<{ entity: Entity; created: boolean }> {
      const { rows } = await db.query<EntityRow & { inserted: boolean }>(
        `INSERT INTO entities (id, enterprise_number, type, name_nl, name_fr, name_de, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (enterprise_number) DO UPDATE SET type = excluded.type, name_nl = excluded.name_nl,
           name_fr = excluded.name_fr, name_de = excluded.name_de, active = excluded.active, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
        [newId(), ...params(input)],
      );
      return { entity: toEntity(rows[0]!), created: rows[0]!.inserted };
    },

    async findById(id: string): Promise<Entity | undefined> {
      const { rows } = await db.query<EntityRow>(`SELECT ${COLUMNS} FROM entities WHERE id = $1`, [id]);
      return rows[0] && toEntity(rows[0]);
    },

    /** Undefined for unknown and for malformed numbers. */
    async findByEnterpriseNumber(enterpriseNumber: string): Promise<Entity | undefined> {
      let n: string;
      try {
        n = normaliseEnterpriseNumber(enterpriseNumber);
      } catch {
        return undefined;
      }
      const { rows } = await db.query<EntityRow>(`SELECT ${COLUMNS} FROM entities WHERE enterprise_number = $1`, [n]);
      return rows[0] && toEntity(rows[0]);
    },

    async list(options: { activeOnly?: boolean } = {}): Promise<Entity[]> {
      const { rows } = await db.query<EntityRow>(
        `SELECT ${COLUMNS} FROM entities ${options.activeOnly ? 'WHERE active' : ''} ORDER BY enterprise_number`,
      );
      return rows.map(toEntity);
    },

    async setActive(id: string, active: boolean): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE entities SET active = $2, updated_at = now() WHERE id = $1', [id, active]);
      return rowCount > 0;
    },
  };
}

export type EntityQueries = ReturnType<typeof createEntityQueries>;
