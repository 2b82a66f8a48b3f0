// Storage failures that are the infrastructure's fault (connection refused, timed out) become one
// error type. It extends oidc-provider's TemporarilyUnavailable so that, thrown from an adapter,
// the provider's own error handler answers 503 `temporarily_unavailable` (oidc-provider
// lib/shared/error_handler.js exposes any error whose `expose` is true); our own routes map it
// in src/http/errors.ts.
import { errors } from 'oidc-provider';

export class StorageUnavailableError extends errors.TemporarilyUnavailable {
  readonly backend: 'postgres' | 'redis' | 'embedded';
  constructor(backend: 'postgres' | 'redis' | 'embedded', cause?: unknown) {
    super(`the ${backend === 'redis' ? 'session store' : 'directory database'} is temporarily unavailable, try again shortly`, cause instanceof Error ? { cause } : undefined);
    this.backend = backend;
    this.status = 503;
    this.statusCode = 503;
    this.expose = true;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN', 'ENETUNREACH',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

/** True when the error means "the backend cannot be reached", not "the query was wrong". */
export function isConnectionError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; message?: string; name?: string };
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  const message = e.message ?? '';
  return (
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|MaxRetriesPerRequest/i.test(message)
  );
}
