// Prometheus metrics, one registry per server instance (tests run several in one process).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
  grants: Counter<'grant_type' | 'outcome'>;
  authorizations: Counter<'outcome'>;
  storageErrors: Counter<'backend'>;
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
  };
}
