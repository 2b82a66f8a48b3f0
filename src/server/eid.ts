// Assembles the eID login from configuration: trust anchors (configured files, plus the demo
// hierarchy in embedded mode), the revocation checker on the shared key-value store, and the
// authenticator. Without any trust anchor the eID login is off and the login page says that no
// login method is available.
import { ConfigError } from '../config/load.ts';
import { settingDocs, type Config } from '../config/schema.ts';
import { createPersonQueries } from '../directory/persons.ts';
import { createEidAuthenticator, type EidAuthenticator } from '../eid/authenticate.ts';
import { demoAwareFetch, ensureDemoPki, type DemoPki } from '../eid/demo.ts';
import { createRevocationChecker } from '../eid/revocation/index.ts';
import { createForwardedCertificateReader, type ForwardedCertificateReader } from '../eid/sources/proxy-headers.ts';
import { TrustStoreError, loadTrustStore, trustStoreFromCertificates, type TrustStore } from '../eid/validation/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { storageMode, type Runtime } from './runtime.ts';

export interface EidService {
  settings: Config['eid'];
  trust: TrustStore;
  authenticate: EidAuthenticator;
  readForwarded: ForwardedCertificateReader;
  demo?: DemoPki;
}

export function wantsDemoPki(config: Config): boolean {
  const setting = config.eid.demoPki;
  return setting === 'true' || (setting === 'auto' && storageMode(config).startsWith('embedded'));
}

/** Generating the demo hierarchy takes a moment: start it early, in parallel with the storage. */
export function prepareDemoPki(config: Config, issuer: string): Promise<DemoPki> | undefined {
  if (!wantsDemoPki(config)) return undefined;
  return ensureDemoPki(issuer, config.storage.inMemory ? undefined : config.storage.dataDir);
}

function configuredTrust(settings: Config['eid']): TrustStore {
  if (settings.trustAnchors.length === 0) return { anchors: [], intermediates: [] };
  try {
    return loadTrustStore({ anchors: settings.trustAnchors, intermediates: settings.intermediates });
  } catch (err) {
    if (!(err instanceof TrustStoreError)) throw err;
    const doc = settingDocs.find((d) => d.path === 'eid.trustAnchors')!;
    throw new ConfigError([{ setting: doc.path, env: doc.env, problem: err.message, example: doc.example }]);
  }
}

export async function setUpEid(runtime: Runtime, issuer: string, logger: Logger, metrics: Metrics, demoPki = prepareDemoPki(runtime.config, issuer)): Promise<EidService | undefined> {
  const settings = runtime.config.eid;
  const configured = configuredTrust(settings);
  let demo: DemoPki | undefined;
  let trust = configured;
  if (demoPki) {
    demo = await demoPki;
    const demoTrust = trustStoreFromCertificates({ anchors: demo.anchors, intermediates: demo.intermediates });
    trust = { anchors: [...configured.anchors, ...demoTrust.anchors], intermediates: [...configured.intermediates, ...demoTrust.intermediates] };
    logger.warn({ dir: demo.dir ?? '(in memory)' }, 'eID demo PKI is trusted: TEST certificates can log in. Never enable this in production.');
  }
  if (trust.anchors.length === 0) {
    logger.warn('no eID trust anchor configured (eid.trustAnchors): the eID login is off');
    return undefined;
  }

  const revocation = createRevocationChecker({
    kv: runtime.kv,
    mode: settings.revocation.mode,
    failMode: settings.revocation.failMode,
    ...(settings.revocation.ocspUrl ? { ocspUrl: settings.revocation.ocspUrl } : {}),
    timeoutMs: settings.revocation.timeoutMs,
    clockSkewSeconds: settings.clockSkewSeconds,
    logger,
    metrics,
    ...(demo ? { fetch: demoAwareFetch(demo) } : {}),
  });
  const authenticate = createEidAuthenticator({
    trust,
    revocation,
    persons: createPersonQueries(runtime.db, runtime.secrets),
    audit: runtime.db,
    logger,
    metrics,
    allowedPolicies: settings.allowedPolicies,
    clockSkewSeconds: settings.clockSkewSeconds,
    acr: settings.acr,
  });
  return {
    settings,
    trust,
    authenticate,
    readForwarded: createForwardedCertificateReader({ trustedProxies: settings.trustedProxies }),
    ...(demo ? { demo } : {}),
  };
}
