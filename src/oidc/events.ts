// What the protocol engine reports (docs: events.md) becomes metrics and logs. Logged fields are
// chosen one by one: no tokens, codes, secrets or request bodies.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { StorageUnavailableError } from '../store/errors.ts';

function errorCode(err: unknown): string {
  const e = err as { error?: string; expose?: boolean };
  return e?.expose && e.error ? e.error : 'server_error';
}

export function observeProvider(provider: Provider, logger: Logger, metrics: Metrics): void {
  const grantType = (ctx: KoaContextWithOIDC) => String(ctx.oidc?.params?.grant_type ?? 'unknown');
  const clientId = (ctx: KoaContextWithOIDC) => ctx.oidc?.client?.clientId;
  // Outages reach the provider's own error handler, not ours: count them where it reports.
  const countOutage = (err: unknown) => {
    if (err instanceof StorageUnavailableError) metrics.storageErrors.inc({ backend: err.backend });
  };

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    metrics.grants.inc({ grant_type: grantType(ctx), outcome: 'success' });
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: unknown) => {
    countOutage(err);
    metrics.grants.inc({ grant_type: grantType(ctx), outcome: errorCode(err) });
    logger.info({ event: 'grant.error', grantType: grantType(ctx), clientId: clientId(ctx), error: errorCode(err), detail: (err as { error_detail?: string }).error_detail }, 'token request refused');
  });
  provider.on('authorization.success', () => {
    metrics.authorizations.inc({ outcome: 'success' });
  });
  provider.on('authorization.error', (ctx: KoaContextWithOIDC, err: unknown) => {
    countOutage(err);
    metrics.authorizations.inc({ outcome: errorCode(err) });
    logger.info({ event: 'authorization.error', clientId: clientId(ctx), error: errorCode(err) }, 'authorization request refused');
  });
  for (const event of ['introspection.error', 'revocation.error', 'userinfo.error', 'pushed_authorization_request.error', 'end_session.error'] as const) {
    provider.on(event as 'introspection.error', (ctx: KoaContextWithOIDC, err: unknown) => {
      countOutage(err);
      logger.info({ event, clientId: clientId(ctx), error: errorCode(err) }, 'request refused');
    });
  }
  // A relying party's back-channel logout endpoint failing must be visible to operators: the
  // person is logged out here but may still be logged in there.
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, err: Error, client: { clientId: string }) => {
    logger.warn({ event: 'backchannel.error', clientId: client?.clientId, error: err.message }, 'back-channel logout delivery failed');
  });
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    logger.error({ event: 'server_error', path: ctx.path, method: ctx.method, err: { name: err.name, message: err.message, stack: err.stack } }, 'unexpected error in the protocol engine');
  });
}
