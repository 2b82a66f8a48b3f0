// Profiles are named bundles an application defines (a job profile such as "intake desk"),
// assigned to a person for one entity. Unlike roles they carry no validity period: an
// administrator adds and removes them.
import type { Queryable } from '../store/database.ts';
import { labelsFromRow, newId, type Labels } from './common.ts';

export interface Profile {
  id: string;
  clientId: string;
  code: string;
  labels: Labels;
}

interface ProfileRow {
  id: string;
  client_id: string;
  code: string;
  label_nl: string;
  label_fr: string;
  label_de: string;
  label_en: string;
}

const COLUMNS = 'p.id, p.client_id, p.code, p.label_nl, p.label_fr, p.label_de, p.label_en';
const toProfile = (row: ProfileRow): Profile => ({ id: row.id, clientId: row.client_id, code: row.code, labels: labelsFromRow(row) });

export function createProfileQueries(db: Queryable) {
  return {
    /** Creates the profile, or replaces the labels of the application's profile with that code. */
    async upsertProfile(input: { clientId: string; code: string; labels: Labels }): Promise<{ profile: Profile; created: boolean }> {
      const { rows } = await db.query<ProfileRow & { inserted: boolean }>(
        `INSERT INTO profiles AS p (id, client_id, code, label_nl, label_fr, label_de, label_en) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (client_id, code) DO UPDATE SET label_nl = excluded.label_nl, label_fr = excluded.label_fr,
           label_de = excluded.label_de, label_en = excluded.label_en
         RETURNING ${COLUMNS}, (p.xmax = 0) AS inserted`,
        [newId(), input.clientId, input.code, input.labels.nl, input.labels.fr, input.labels.de, input.labels.en],
      );
      return { profile: toProfile(rows[0]!), created: rows[0]!.inserted };
    },

    async findById(id: string): Promise<Profile | undefined> {
      const { rows } = await db.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles p WHERE p.id = $1`, [id]);
      return rows[0] && toProfile(rows[0]);
    },

    async listForApplication(clientId: string): Promise<Profile[]> {
      const { rows } = await db.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles p WHERE p.client_id = $1 ORDER BY p.code`, [clientId]);
      return rows.map(toProfile);
    },

    async deleteProfile(id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM profiles WHERE id = $1', [id]);
      return rowCount > 0;
    },

    /** Idempotent: assigning an assigned profile changes nothing. Returns whether it was new. */
    async assign(personId: string, entityId: string, profileId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'INSERT INTO profile_assignments (person_id, entity_id, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [personId, entityId, profileId],
      );
      return rowCount > 0;
    },

    async unassign(personId: string, entityId: string, profileId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'DELETE FROM profile_assignments WHERE person_id = $1 AND entity_id = $2 AND profile_id = $3',
        [personId, entityId, profileId],
      );
      return rowCount > 0;
    },

    /** The person's profiles in the application for that entity. */
    async profilesFor(personId: string, entityId: string, clientId: string): Promise<Profile[]> {
      const { rows } = await db.query<ProfileRow>(
        `SELECT ${COLUMNS} FROM profile_assignments pa JOIN profiles p ON p.id = pa.profile_id
         WHERE pa.person_id = $1 AND pa.entity_id = $2 AND p.client_id = $3 ORDER BY p.code`,
        [personId, entityId, clientId],
      );
      return rows.map(toProfile);
    },
  };
}

export type ProfileQueries = ReturnType<typeof createProfileQueries>;
