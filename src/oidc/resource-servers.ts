// Resource indicators (oidc-provider features.resourceIndicators, docs: configuration.md
// #featuresresourceindicators). A client asks for an API by its identifier; only registered
// APIs are accepted, and a JWT access token always names exactly that audience (RFC 9068).
import { errors, type Configuration, type ResourceServer } from 'oidc-provider';
import type { Queryable } from '../store/database.ts';

export interface ResourceServerRecord {
  identifier: string;
  name: string;
  scopes: string[];
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenTtl: number | null;
  signingAlg: 'ES256' | 'RS256';
}

interface Row {
  identifier: string;
  name: string;
  scopes: string[];
  access_token_format: 'jwt' | 'opaque';
  access_token_ttl: number | null;
  signing_alg: 'ES256' | 'RS256';
}

export function createResourceServerQueries(db: Queryable) {
  const toRecord = (r: Row): ResourceServerRecord => ({
    identifier: r.identifier,
    name: r.name,
    scopes: r.scopes,
    accessTokenFormat: r.access_token_format,
    accessTokenTtl: r.access_token_ttl,
    signingAlg: r.signing_alg,
  });
  return {
    async find(identifier: string): Promise<ResourceServerRecord | undefined> {
      const { rows } = await db.query<Row>('SELECT * FROM resource_servers WHERE identifier = $1', [identifier]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
    async upsert(rs: ResourceServerRecord): Promise<void> {
      await db.query(
        `INSERT INTO resource_servers (identifier, name, scopes, access_token_format, access_token_ttl, signing_alg)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (identifier) DO UPDATE SET name = EXCLUDED.name, scopes = EXCLUDED.scopes,
           access_token_format = EXCLUDED.access_token_format, access_token_ttl = EXCLUDED.access_token_ttl,
           signing_alg = EXCLUDED.signing_alg, updated_at = now()`,
        [rs.identifier, rs.name, rs.scopes, rs.accessTokenFormat, rs.accessTokenTtl, rs.signingAlg],
      );
    },
  };
}

export type ResourceServerQueries = ReturnType<typeof createResourceServerQueries>;

/**
 * Looks resource servers up through a short-lived cache: they are read on every token request
 * that names one, and change only when an operator edits them.
 */
export function resourceIndicatorsFeature(
  queries: Pick<ResourceServerQueries, 'find'>,
  cacheMs = 30_000,
): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  const cache = new Map<string, { at: number; value: ResourceServerRecord | undefined }>();
  const lookup = async (identifier: string) => {
    const hit = cache.get(identifier);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    const value = await queries.find(identifier);
    if (cache.size > 1000) cache.clear();
    cache.set(identifier, { at: Date.now(), value });
    return value;
  };
  return {
    enabled: true,
    // Without `resource` the access token is for userinfo only (opaque), as in plain OIDC.
    defaultResource: () => undefined,
    // The token endpoint may omit `resource` and get the one granted at authorization.
    useGrantedResource: () => true,
    async getResourceServerInfo(_ctx, resourceIndicator): Promise<ResourceServer> {
      const rs = await lookup(resourceIndicator);
      if (!rs) throw new errors.InvalidTarget(`unknown resource server: ${resourceIndicator}`);
      return {
        scope: rs.scopes.join(' '),
        audience: rs.identifier,
        ...(rs.accessTokenTtl ? { accessTokenTTL: rs.accessTokenTtl } : {}),
        accessTokenFormat: rs.accessTokenFormat,
        ...(rs.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: rs.signingAlg } } } : {}),
      };
    },
  };
}
