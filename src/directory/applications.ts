// Applications are the OIDC clients. Their oidc-provider metadata is kept as one JSON object so
// that new client settings need no migration; the client secret lives apart, sealed, because
// oidc-provider compares it in clear text (client_secret_basic) and derives HS* keys from it.
import type { ClientMetadata } from 'oidc-provider';
import { open, seal, type Secrets } from '../crypto/secrets.ts';
import type { Queryable } from '../store/database.ts';

export type ApplicationSecrets = Pick<Secrets, 'keyEncryptionKey'>;

export interface Application {
  clientId: string;
  name: string;
  /** oidc-provider client metadata, without client_id and client_secret. */
  metadata: Omit<ClientMetadata, 'client_id' | 'client_secret'>;
  hasClientSecret: boolean;
  /** Our own applications: consent is implied. */
  firstParty: boolean;
  /** May receive the national register number as a claim. */
  allowNrn: boolean;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApplicationInput {
  clientId: string;
  name: string;
  metadata: Record<string, unknown>;
  /** A new secret; null removes it; undefined leaves the stored one as it is. */
  clientSecret?: string | null;
  firstParty?: boolean;
  allowNrn?: boolean;
  active?: boolean;
}

interface ApplicationRow {
  client_id: string;
  name: string;
  metadata: Record<string, unknown>;
  client_secret_sealed: string | null;
  first_party: boolean;
  allow_nrn: boolean;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'client_id, name, metadata, client_secret_sealed, first_party, allow_nrn, active, created_at, updated_at';

function toApplication(row: ApplicationRow): Application {
  return {
    clientId: row.client_id,
    name: row.name,
    metadata: row.metadata as Application['metadata'],
    hasClientSecret: row.client_secret_sealed !== null,
    firstParty: row.first_party,
    allowNrn: row.allow_nrn,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const sealContext = (clientId: string) => `client-secret:${clientId}`;

/** Metadata as stored: the identifier is the row key and the secret is sealed separately. */
function storableMetadata(clientId: string, metadata: Record<string, unknown>): Record<string, unknown> {
  const { client_id: id, client_secret: secret, ...rest } = metadata;
  if (secret !== undefined) throw new TypeError('pass the client secret as clientSecret, not inside the metadata');
  if (id !== undefined && id !== clientId) throw new TypeError(`metadata.client_id ${String(id)} does not match ${clientId}`);
  return rest;
}

export function createApplicationQueries(db: Queryable, secrets: ApplicationSecrets) {
  return {
    /**
     * The client as oidc-provider loads it (for a `findClient`/adapter lookup), with the secret
     * unsealed; undefined for unknown and for deactivated applications.
     */
    async findClientMetadata(clientId: string): Promise<ClientMetadata | undefined> {
      const { rows } = await db.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications WHERE client_id = $1 AND active`, [clientId]);
      const row = rows[0];
      if (!row) return undefined;
      // first_party and allow_nrn travel with the metadata (oidc-provider extraClientMetadata
      // properties, see src/oidc/client-metadata.ts) so consent and claims policy can read them
      // from the client; without allow_nrn the client's scope loses national_register_number there.
      const metadata: ClientMetadata = { ...row.metadata, client_id: row.client_id, first_party: row.first_party, allow_nrn: row.allow_nrn };
      if (row.client_secret_sealed) {
        metadata.client_secret = open(secrets.keyEncryptionKey, row.client_secret_sealed, sealContext(row.client_id)).toString('utf8');
      }
      return metadata;
    },

    async findByClientId(clientId: string): Promise<Application | undefined> {
      const { rows } = await db.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications WHERE client_id = $1`, [clientId]);
      return rows[0] && toApplication(rows[0]);
    },

    async list(): Promise<Application[]> {
      const { rows } = await db.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications ORDER BY client_id`);
      return rows.map(toApplication);
    },

    /** Creates the application or replaces its settings (the secret only when clientSecret is given). */
    async upsertApplication(input: ApplicationInput): Promise<{ application: Application; created: boolean }> {
      const metadata = JSON.stringify(storableMetadata(input.clientId, input.metadata));
      const keepSecret = input.clientSecret === undefined;
      const sealed = input.clientSecret ? seal(secrets.keyEncryptionKey, input.clientSecret, sealContext(input.clientId)) : null;
      const { rows } = await db.query<ApplicationRow & { inserted: boolean }>(
        `INSERT INTO applications (client_id, name, metadata, client_secret_sealed, first_party, allow_nrn, active)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         ON CONFLICT (client_id) DO UPDATE SET name = excluded.name, metadata = excluded.metadata,
           client_secret_sealed = CASE WHEN $8 THEN applications.client_secret_sealed ELSE excluded.client_secret_sealed END,
           first_party = excluded.first_party, allow_nrn = excluded.allow_nrn, active = excluded.active, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
        [input.clientId, input.name, metadata, sealed, input.firstParty ?? false, input.allowNrn ?? false, input.active ?? true, keepSecret],
      );
      return { application: toApplication(rows[0]!), created: rows[0]!.inserted };
    },

    /** Replaces the secret (rotation) or removes it with null. */
    async setClientSecret(clientId: string, clientSecret: string | null): Promise<boolean> {
      const sealed = clientSecret === null ? null : seal(secrets.keyEncryptionKey, clientSecret, sealContext(clientId));
      const { rowCount } = await db.query('UPDATE applications SET client_secret_sealed = $2, updated_at = now() WHERE client_id = $1', [clientId, sealed]);
      return rowCount > 0;
    },

    async setActive(clientId: string, active: boolean): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE applications SET active = $2, updated_at = now() WHERE client_id = $1', [clientId, active]);
      return rowCount > 0;
    },

    async delete(clientId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM applications WHERE client_id = $1', [clientId]);
      return rowCount > 0;
    },

    async acceptedCapacities(clientId: string): Promise<string[]> {
      const { rows } = await db.query<{ capacity_code: string }>(
        'SELECT capacity_code FROM application_capacities WHERE client_id = $1 ORDER BY capacity_code',
        [clientId],
      );
      return rows.map((r) => r.capacity_code);
    },

    /** Makes `codes` exactly the capacities the application accepts. */
    async setAcceptedCapacities(clientId: string, codes: string[]): Promise<void> {
      await db.query(
        `WITH removed AS (
           DELETE FROM application_capacities WHERE client_id = $1 AND NOT (capacity_code = ANY($2::text[])))
         INSERT INTO application_capacities (client_id, capacity_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [clientId, codes],
      );
    },
  };
}

export type ApplicationQueries = ReturnType<typeof createApplicationQueries>;
