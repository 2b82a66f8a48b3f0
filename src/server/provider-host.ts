// The protocol engine over an opened Runtime: what `serve` answers requests with, and what a CLI
// command needs to act on live provider state (end sessions, revoke tokens, send back-channel
// logout) from another process. Both must build it the same way, or a logout token signed by
// the CLI would not match what relying parties know from discovery.
import { ProviderHost } from '../oidc/host.ts';
import { createAdapterFactory } from '../oidc/adapter.ts';
import { createResourceServerQueries } from '../oidc/resource-servers.ts';
import { createApplicationQueries } from '../directory/applications.ts';
import { ensureSigningKeys, loadKeySet } from '../keys/signing-keys.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Runtime } from './runtime.ts';

export interface ProviderHostOptions {
  issuer: string;
  logger: Logger;
  metrics: Metrics;
}

export interface BuiltProviderHost {
  host: ProviderHost;
  /** Fingerprint of the key set the host signs with, for the key watcher. */
  fingerprint: string;
}

export async function createProviderHost(runtime: Runtime, options: ProviderHostOptions): Promise<BuiltProviderHost> {
  const { db, secrets, config } = runtime;
  await ensureSigningKeys(db, secrets);
  const keySet = await loadKeySet(db, secrets);
  const applications = createApplicationQueries(db, secrets);
  const host = new ProviderHost(
    {
      issuer: options.issuer,
      config,
      secrets,
      adapter: createAdapterFactory(runtime.artifacts, applications),
      db,
      resourceServers: createResourceServerQueries(db),
      logger: options.logger,
      metrics: options.metrics,
    },
    keySet.jwks,
    keySet.fingerprint,
  );
  return { host, fingerprint: keySet.fingerprint };
}
