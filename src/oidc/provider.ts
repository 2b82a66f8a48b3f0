// Assembles one oidc-provider instance from the small configuration modules beside this file.
// The instance is rebuilt when the signing keys change (see host.ts), so this must stay cheap
// and free of side effects other than event listeners.
import Provider, { type Adapter, type Configuration, type JWKS } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Secrets } from '../crypto/secrets.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Database } from '../store/database.ts';
import { CLAIMS, SCOPES, createClaimsSource, createFindAccount, rememberClaimsLocale } from './claims.ts';
import { createExtraTokenClaims } from './tokens.ts';
import { errorMiddleware } from '../http/errors.ts';
import { observeProvider } from './events.ts';
import { extraClientMetadata } from './client-metadata.ts';
import { createLoadExistingGrant } from './consent.ts';
import { featuresConfiguration } from './features.ts';
import { interactionsConfiguration } from './interactions.ts';
import { createSelectionService } from './selection.ts';
import { renderError } from './pages.ts';
import { createPairwiseIdentifier } from './pairwise.ts';
import type { ResourceServerQueries } from './resource-servers.ts';
import { ttlConfiguration } from './ttl.ts';

export interface ProviderDeps {
  issuer: string;
  config: Config;
  secrets: Secrets;
  adapter: (modelName: string) => Adapter;
  /** The directory: persons, selections, roles and profiles that claims are computed from. */
  db: Database;
  resourceServers: Pick<ResourceServerQueries, 'find'>;
  logger: Logger;
  metrics: Metrics;
}

export function buildProvider(deps: ProviderDeps, jwks: JWKS): Provider {
  const { config, secrets } = deps;
  // The entity/capacity/role step: its prompt and where a choice is stored with the grant.
  const selection = createSelectionService({ db: deps.db });
  const claimsSource = createClaimsSource({ db: deps.db, secrets });
  const configuration: Configuration = {
    adapter: deps.adapter,
    jwks,
    findAccount: createFindAccount(claimsSource),
    extraTokenClaims: createExtraTokenClaims(claimsSource),
    // Scope claims go into the ID token too (Core §5.4 would keep them for userinfo); claims()
    // in claims.ts keeps entity, capacity and roles out of third-party clients' ID tokens.
    conformIdTokenClaims: false,
    scopes: SCOPES,
    // The acr an eID login records (eid.acr; by default the FAS level relying parties know,
    // docs/domain.md §3.1): advertised, and accepted in acr_values.
    acrValues: [config.eid.acr],
    claims: CLAIMS,
    features: featuresConfiguration({ resourceServers: deps.resourceServers, dpopNonceSecret: secrets.dpopNonceSecret }),
    interactions: interactionsConfiguration(selection),
    ttl: ttlConfiguration(config.ttl),
    clockTolerance: config.ttl.clockToleranceSeconds,
    // PKCE for every client, public or confidential; oidc-provider v9 accepts only S256.
    pkce: { required: () => true },
    responseTypes: ['code'],
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: createPairwiseIdentifier(secrets.pairwiseKey),
    cookies: { keys: secrets.cookieKeys },
    // oidc-provider fetches only URLs an operator registered with a client (back-channel logout
    // endpoints, jwks_uri, sector_identifier_uri): clients come from the directory, there is no
    // dynamic registration. Its default dispatcher refuses every loopback and private address
    // (an SSRF guard for open registration), which would silently stop back-channel logout to
    // relying parties on the internal network, so requests go out through the global dispatcher.
    // The timeout and headers it sets are kept.
    fetch: (url, init) => {
      const { dispatcher: _ssrfGuard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return fetch(url, options);
    },
    renderError,
    extraClientMetadata: extraClientMetadata(),
    loadExistingGrant: createLoadExistingGrant(selection),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      dPoPSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'],
    },
    discovery: {
      service_documentation: 'https://github.com/capacity-idp/capacity-idp#readme',
      ui_locales_supported: ['nl', 'fr', 'de', 'en'],
      claims_locales_supported: ['nl', 'fr', 'de', 'en'],
    },
  };
  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = config.server.trustProxy;
  // A few failures escape oidc-provider's own error handler (e.g. saving the session after
  // end_session while Redis is down) and would reach Koa's bare text/plain default; our one
  // error mapping answers them like every other route.
  provider.use(errorMiddleware(deps.logger, deps.metrics));
  provider.use(rememberClaimsLocale(claimsSource));
  observeProvider(provider, deps.logger, deps.metrics);
  // A revoked grant (logout, token revocation of its last artifacts) takes its selection along.
  provider.on('grant.revoked', (_ctx, grantId) => {
    selection.selections.delete(grantId).catch((err: Error) => deps.logger.warn({ grantId, err: { message: err.message } }, 'could not delete the selection of a revoked grant'));
  });
  return provider;
}
