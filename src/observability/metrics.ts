// Prometheus metrics, one registry per server instance (tests run several in one process).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
  grants: Counter<'grant_type' | 'outcome'>;
  authorizations: Counter<'outcome'>;
  storageErrors: Counter<'backend'>;
  /** OCSP requests and CRL downloads that went to the network, by what they established. */
  revocationChecks: Counter<'method' | 'result'>;
  revocationCache: Counter<'method' | 'outcome'>;
  /** What each revocation check concluded; soft_failed counts logins let through unchecked. */
  revocationOutcomes: Counter<'outcome'>;
  /** eID certificate logins by outcome: success or the refusal reason. */
  eidLogins: Counter<'outcome' | 'source'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'capacity_idp_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'capacity_idp_http_requests_total',
      help: 'HTTP requests by route (endpoint name, not raw path), method and status.',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'capacity_idp_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['route', 'method'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    grants: new Counter({
      name: 'capacity_idp_grants_total',
      help: 'Token endpoint grants by grant type and outcome (success or the OAuth error code).',
      labelNames: ['grant_type', 'outcome'],
      registers: [registry],
    }),
    authorizations: new Counter({
      name: 'capacity_idp_authorizations_total',
      help: 'Authorization requests finished, by outcome (success or the OAuth error code).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    storageErrors: new Counter({
      name: 'capacity_idp_storage_unavailable_total',
      help: 'Requests answered 503 because a storage backend was unreachable.',
      labelNames: ['backend'],
      registers: [registry],
    }),
    revocationChecks: new Counter({
      name: 'capacity_idp_revocation_checks_total',
      help: 'OCSP requests and CRL downloads by method (ocsp, crl) and result (good, revoked, unknown, unreachable, invalid).',
      labelNames: ['method', 'result'],
      registers: [registry],
    }),
    revocationCache: new Counter({
      name: 'capacity_idp_revocation_cache_total',
      help: 'Revocation cache look-ups by method (ocsp, crl) and outcome (hit, miss).',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
    revocationOutcomes: new Counter({
      name: 'capacity_idp_revocation_outcomes_total',
      help: 'Certificate revocation checks by conclusion (good, revoked, unavailable, soft_failed).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    eidLogins: new Counter({
      name: 'capacity_idp_eid_logins_total',
      help: 'eID certificate logins by outcome (success or the refusal reason) and where the certificate came from.',
      labelNames: ['outcome', 'source'],
      registers: [registry],
    }),
  };
}
