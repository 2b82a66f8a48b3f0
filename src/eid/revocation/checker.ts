// Is this eID certificate revoked? OCSP first (fresh, per certificate), the CRL when OCSP cannot
// answer (or only the CRL, by configuration), answers shared between instances through the
// key-value store. The policy decisions, in one place:
// - revoked (by a verified OCSP answer or CRL) always refuses: CertificateRefusedError('revoked').
// - OCSP 'unknown' is not good: the issuer's responder does not know the certificate, which is
//   what a certificate forged with a stolen CA key looks like. Only a verified CRL without the
//   serial overrides it; otherwise it refuses as 'revocation_unavailable' even in fail-open mode,
//   because fail-open is meant for outages, and this is an answer.
// - Nothing usable (responder unreachable or its answer unverifiable, no CRL): fail closed
//   refuses as 'revocation_unavailable'; fail open returns 'soft-failed' with the reason and
//   logs a warning, and the caller audits the login.
// - A responder that does not echo our nonce is accepted only when its thisUpdate is recent
//   (noncelessMaxAgeSeconds): older nonce-less answers could be replays hiding a revocation.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { KeyValueStore } from '../../store/kv.ts';
import { CertificateRefusedError } from '../refusal.ts';
import type { RevocationChecker, RevocationStatus } from '../types.ts';
import { RevocationCache } from './cache.ts';
import { commonNameOf, crlUrlsOf, issuerIdOf, ocspUrlsOf, parseCertificate, serialOf } from './certificate.ts';
import { downloadCrl, type CrlSnapshot } from './crl.ts';
import { RevocationSourceError } from './errors.ts';
import type { FetchFunction } from './http.ts';
import { queryOcsp, type OcspAnswer } from './ocsp.ts';
import type * as pkijs from 'pkijs';

type RevocationSettings = Config['eid']['revocation'];

export type RevocationMetrics = Pick<Metrics, 'revocationChecks' | 'revocationCache' | 'revocationOutcomes'>;

export interface RevocationCheckerOptions {
  kv: KeyValueStore;
  mode: RevocationSettings['mode'];
  failMode: RevocationSettings['failMode'];
  /** Ask this responder instead of the certificate's AIA OCSP URL. */
  ocspUrl?: string;
  /** Deadline for one OCSP exchange or one CRL download. */
  timeoutMs: number;
  logger: Logger;
  metrics: RevocationMetrics;
  fetch?: FetchFunction;
  /** Tolerance on thisUpdate/nextUpdate; default 60 (as eid.clockSkewSeconds). */
  clockSkewSeconds?: number;
  /** Upper bound on caching an OCSP answer or a CRL, whatever its nextUpdate says; default 3600. */
  maxCacheSeconds?: number;
  /** How old a response without our nonce may be; default 3600. */
  noncelessMaxAgeSeconds?: number;
  /** Largest CRL we download; default 64 MiB (eID CRLs run to megabytes). */
  maxCrlBytes?: number;
  /** The time answers are judged against; tests move it to make answers stale. */
  now?: () => Date;
}

type Conclusion =
  | { kind: 'good'; cached: boolean }
  | { kind: 'revoked'; detail: string }
  | { kind: 'unknown'; detail: string }
  | { kind: 'unavailable'; detail: string };

interface Subject {
  leaf: pkijs.Certificate;
  issuer: pkijs.Certificate;
  issuerDer: Buffer;
  serial: string;
  issuerId: string;
  now: Date;
  log: Logger;
}

export function createRevocationChecker(options: RevocationCheckerOptions): RevocationChecker {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clockSkewMs = (options.clockSkewSeconds ?? 60) * 1000;
  const maxCacheMs = (options.maxCacheSeconds ?? 3600) * 1000;
  const noncelessMaxAgeMs = (options.noncelessMaxAgeSeconds ?? 3600) * 1000;
  const maxCrlBytes = options.maxCrlBytes ?? 64 * 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const { metrics, logger } = options;
  const cache = new RevocationCache(options.kv, metrics.revocationCache, logger);
  const crlDownloads = new Map<string, Promise<CrlSnapshot>>();

  /** Until when an answer may be reused: its nextUpdate, never more than maxCacheSeconds from now. */
  const expiryOf = (at: Date, nextUpdate: Date | undefined) => Math.min(nextUpdate?.getTime() ?? Infinity, at.getTime() + maxCacheMs);

  async function viaOcsp(subject: Subject): Promise<Conclusion> {
    const cached = await cache.getOcsp(subject.issuerId, subject.serial, subject.now, clockSkewMs);
    if (cached) return conclusionOf(cached, true, 'ocsp (cached)');

    const urls = options.ocspUrl ? [options.ocspUrl] : ocspUrlsOf(subject.leaf);
    if (urls.length === 0) return { kind: 'unavailable', detail: 'no OCSP URL in the certificate and none configured' };
    const problems: string[] = [];
    for (const url of urls) {
      let answer: OcspAnswer;
      try {
        answer = await queryOcsp({
          leaf: subject.leaf,
          issuer: subject.issuer,
          issuerDer: subject.issuerDer,
          url,
          now: subject.now,
          clockSkewMs,
          noncelessMaxAgeMs,
          timeoutMs: options.timeoutMs,
          fetch: fetchImpl,
        });
      } catch (err) {
        problems.push(sourceProblem('ocsp', err, subject.log));
        continue;
      }
      metrics.revocationChecks.inc({ method: 'ocsp', result: answer.status });
      subject.log.debug({ url, status: answer.status, nonceEchoed: answer.nonceEchoed }, 'OCSP answer');
      // 'unknown' is not cached: a certificate issued a moment ago may not have reached the responder yet.
      if (answer.status !== 'unknown') {
        await cache.setOcsp(subject.issuerId, subject.serial, answer, expiryOf(subject.now, answer.nextUpdate) - subject.now.getTime());
      }
      return conclusionOf(answer, false, `ocsp ${url}`);
    }
    return { kind: 'unavailable', detail: `OCSP: ${problems.join('; ')}` };
  }

  async function crlSnapshot(subject: Subject, url: string): Promise<{ snapshot: CrlSnapshot; cached: boolean }> {
    const cached = await cache.getCrl(subject.issuerId, url, subject.now, clockSkewMs);
    if (cached) return { snapshot: cached, cached: true };
    // One download per CRL at a time: a burst of logins must not fetch a multi-megabyte list each.
    const key = `${subject.issuerId} ${url}`;
    let download = crlDownloads.get(key);
    if (!download) {
      download = downloadCrl({ url, issuer: subject.issuer, now: subject.now, clockSkewMs, timeoutMs: options.timeoutMs, maxBytes: maxCrlBytes, fetch: fetchImpl })
        .then(async (snapshot) => {
          await cache.setCrl(subject.issuerId, snapshot, expiryOf(subject.now, snapshot.nextUpdate) - subject.now.getTime());
          subject.log.debug({ url, entries: snapshot.revoked.size, nextUpdate: snapshot.nextUpdate }, 'CRL downloaded');
          return snapshot;
        })
        .finally(() => crlDownloads.delete(key));
      crlDownloads.set(key, download);
    }
    return { snapshot: await download, cached: false };
  }

  async function viaCrl(subject: Subject): Promise<Conclusion> {
    const urls = crlUrlsOf(subject.leaf);
    if (urls.length === 0) return { kind: 'unavailable', detail: 'no http CRL distribution point in the certificate' };
    const problems: string[] = [];
    for (const url of urls) {
      let found: { snapshot: CrlSnapshot; cached: boolean };
      try {
        found = await crlSnapshot(subject, url);
      } catch (err) {
        problems.push(sourceProblem('crl', err, subject.log));
        continue;
      }
      const revoked = found.snapshot.revoked.has(subject.serial);
      if (!found.cached) metrics.revocationChecks.inc({ method: 'crl', result: revoked ? 'revoked' : 'good' });
      return revoked
        ? { kind: 'revoked', detail: `listed on the CRL ${url} (thisUpdate ${found.snapshot.thisUpdate.toISOString()})` }
        : { kind: 'good', cached: found.cached };
    }
    return { kind: 'unavailable', detail: `CRL: ${problems.join('; ')}` };
  }

  function sourceProblem(method: 'ocsp' | 'crl', err: unknown, log: Logger): string {
    const kind = err instanceof RevocationSourceError ? err.kind : 'invalid';
    const message = err instanceof Error ? err.message : String(err);
    metrics.revocationChecks.inc({ method, result: kind });
    log.warn({ method, failure: kind, problem: message, ...(err instanceof RevocationSourceError ? {} : { err }) }, 'revocation source could not answer');
    return message;
  }

  function refuse(outcome: 'revoked' | 'unavailable', detail: string, log: Logger): never {
    metrics.revocationOutcomes.inc({ outcome });
    if (outcome === 'revoked') {
      log.info({ detail }, 'certificate revoked');
      throw new CertificateRefusedError('revoked', detail);
    }
    log.warn({ detail }, 'revocation status unavailable, refused');
    throw new CertificateRefusedError('revocation_unavailable', detail);
  }

  return {
    async check(leafDer: Buffer, issuerDer: Buffer): Promise<RevocationStatus> {
      let leaf: pkijs.Certificate;
      let issuer: pkijs.Certificate;
      try {
        leaf = parseCertificate(leafDer);
        issuer = parseCertificate(issuerDer);
      } catch (err) {
        throw new CertificateRefusedError('malformed_certificate', 'revocation check: certificate not parseable', { cause: err });
      }
      if (!leaf.issuer.isEqual(issuer.subject)) {
        throw new CertificateRefusedError('unknown_issuer', 'revocation check: the given issuer did not issue this certificate');
      }
      const serial = serialOf(leaf);
      // Serial and issuer name only: the leaf's subject carries the national register number.
      const log = logger.child({ component: 'revocation', serial, issuer: commonNameOf(issuer.subject) });
      const subject: Subject = { leaf, issuer, issuerDer, serial, issuerId: issuerIdOf(issuer), now: now(), log };

      const problems: string[] = [];
      let unknown = false;
      if (options.mode !== 'crl') {
        const ocsp = await viaOcsp(subject);
        if (ocsp.kind === 'good') {
          metrics.revocationOutcomes.inc({ outcome: 'good' });
          return { status: 'good', checkedBy: 'ocsp', cached: ocsp.cached };
        }
        if (ocsp.kind === 'revoked') refuse('revoked', ocsp.detail, log);
        unknown = ocsp.kind === 'unknown';
        problems.push(ocsp.detail);
      }
      if (options.mode !== 'ocsp') {
        const crl = await viaCrl(subject);
        if (crl.kind === 'good') {
          metrics.revocationOutcomes.inc({ outcome: 'good' });
          return { status: 'good', checkedBy: 'crl', cached: crl.cached };
        }
        if (crl.kind === 'revoked') refuse('revoked', crl.detail, log);
        problems.push(crl.detail);
      }
      const reason = problems.join(' | ');
      if (unknown || options.failMode === 'closed') refuse('unavailable', reason, log);
      metrics.revocationOutcomes.inc({ outcome: 'soft_failed' });
      log.warn({ reason }, 'revocation status unavailable, let through (fail open)');
      return { status: 'soft-failed', reason };
    },
  };
}

function conclusionOf(answer: Pick<OcspAnswer, 'status' | 'revokedAt'>, cached: boolean, source: string): Conclusion {
  if (answer.status === 'good') return { kind: 'good', cached };
  if (answer.status === 'revoked') {
    return { kind: 'revoked', detail: `${source}: revoked${answer.revokedAt ? ` since ${answer.revokedAt.toISOString()}` : ''}` };
  }
  return { kind: 'unknown', detail: `${source}: the responder does not know this certificate (unknown)` };
}
