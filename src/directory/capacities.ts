// Capacities (hoedanigheden / qualités) are the legal grounds on which someone acts for an
// entity, e.g. MAATSCHAPPELIJK_WELZIJN for the social welfare staff of an OCMW/CPAS.
import type { Queryable } from '../store/database.ts';
import { labelsFromRow, type Labels } from './common.ts';

export interface Capacity {
  code: string;
  labels: Labels;
}

interface CapacityRow {
  code: string;
  label_nl: string;
  label_fr: string;
  label_de: string;
  label_en: string;
}

const toCapacity = (row: CapacityRow): Capacity => ({ code: row.code, labels: labelsFromRow(row) });

export function createCapacityQueries(db: Queryable) {
  return {
    /** Creates the capacity or replaces its labels. */
    async upsert(capacity: Capacity): Promise<{ capacity: Capacity; created: boolean }> {
      const { rows } = await db.query<CapacityRow & { inserted: boolean }>(
        `INSERT INTO capacities (code, label_nl, label_fr, label_de, label_en) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET label_nl = excluded.label_nl, label_fr = excluded.label_fr,
           label_de = excluded.label_de, label_en = excluded.label_en
         RETURNING code, label_nl, label_fr, label_de, label_en, (xmax = 0) AS inserted`,
        [capacity.code, capacity.labels.nl, capacity.labels.fr, capacity.labels.de, capacity.labels.en],
      );
      return { capacity: toCapacity(rows[0]!), created: rows[0]!.inserted };
    },

    async findByCode(code: string): Promise<Capacity | undefined> {
      const { rows } = await db.query<CapacityRow>('SELECT code, label_nl, label_fr, label_de, label_en FROM capacities WHERE code = $1', [code]);
      return rows[0] && toCapacity(rows[0]);
    },

    async list(): Promise<Capacity[]> {
      const { rows } = await db.query<CapacityRow>('SELECT code, label_nl, label_fr, label_de, label_en FROM capacities ORDER BY code');
      return rows.map(toCapacity);
    },
  };
}

export type CapacityQueries = ReturnType<typeof createCapacityQueries>;
