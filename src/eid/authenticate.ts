// One eID authentication from a presented certificate to a person, with no HTTP in it: chain and
// profile validation, revocation, then the person found or provisioned. Every outcome, accepted
// or each refusal reason, is audited and counted; the national register number never leaves
// this function except encrypted in the directory.
import { recordAudit } from '../directory/audit.ts';
import { maskNationalNumber } from '../directory/identifiers.ts';
import type { PersonQueries } from '../directory/persons.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Queryable } from '../store/database.ts';
import { findOrProvisionPerson } from './provisioning.ts';
import { CertificateRefusedError } from './refusal.ts';
import type { PresentedCertificate, RevocationChecker } from './types.ts';
import { validateAuthenticationCertificate, type TrustStore } from './validation/index.ts';

/** RFC 8176: a smart card, a hardware-protected key, unlocked with a PIN: two factors. */
export const EID_AMR = ['sc', 'hwk', 'pin', 'mfa'];

export interface EidAuthenticatorDeps {
  trust: TrustStore;
  revocation: RevocationChecker;
  persons: PersonQueries;
  audit: Queryable;
  logger: Logger;
  metrics: Pick<Metrics, 'eidLogins'>;
  allowedPolicies: readonly string[];
  clockSkewSeconds: number;
  acr: string;
  now?: () => Date;
}

export interface EidLoginContext {
  /** The interaction this login belongs to (audit correlation). */
  interactionUid: string;
  clientId?: string;
  ip?: string;
  locale: Locale;
}

/** What the login step records on the interaction (oidc-provider's `login` result). */
export interface EidLoginResult {
  accountId: string;
  acr: string;
  amr: string[];
  /** Epoch seconds of the authentication. */
  ts: number;
  provisioned: boolean;
  certificateSha256: string;
}

export function createEidAuthenticator(deps: EidAuthenticatorDeps) {
  const now = deps.now ?? (() => new Date());

  async function audit(outcome: 'success' | 'failure', ctx: EidLoginContext, presented: PresentedCertificate, details: Record<string, unknown>, subject?: string) {
    await recordAudit(deps.audit, {
      type: 'login.eid',
      outcome,
      actor: subject ?? null,
      subject: subject ?? null,
      clientId: ctx.clientId ?? null,
      ip: ctx.ip ?? null,
      details: { interaction: ctx.interactionUid, source: presented.source, ...details },
    });
  }

  return async function authenticate(presented: PresentedCertificate, ctx: EidLoginContext): Promise<EidLoginResult> {
    const at = now();
    try {
      const { holder, issuer } = validateAuthenticationCertificate(presented, deps.trust, {
        allowedPolicies: deps.allowedPolicies,
        clockSkewSeconds: deps.clockSkewSeconds,
        now: at,
      });
      const revocation = await deps.revocation.check(presented.leaf, issuer);
      const { person, created } = await findOrProvisionPerson(deps.persons, holder, ctx.locale);
      await deps.persons.recordLogin(person.id, at);

      const certificate = {
        serial: holder.certificate.serialNumber,
        issuer: holder.certificate.issuer,
        sha256: holder.certificate.sha256,
        keyAlgorithm: holder.certificate.keyAlgorithm,
      };
      if (revocation.status === 'soft-failed') {
        // Fail-open is an operator's choice; each login it lets through must be visible.
        deps.logger.warn({ event: 'eid.revocation_soft_failed', reason: revocation.reason, serial: certificate.serial, person: person.id }, 'revocation status unknown; login allowed by fail-open mode');
        await recordAudit(deps.audit, {
          type: 'login.eid.revocation_soft_failed',
          outcome: 'success',
          actor: person.id,
          subject: person.id,
          clientId: ctx.clientId ?? null,
          ip: ctx.ip ?? null,
          details: { interaction: ctx.interactionUid, reason: revocation.reason, certificate },
        });
      }
      await audit('success', ctx, presented, { provisioned: created, revocation: revocation.status === 'good' ? revocation.checkedBy : 'soft-failed', certificate }, person.id);
      deps.metrics.eidLogins.inc({ outcome: 'success', source: presented.source });
      deps.logger.info({ event: 'eid.login', person: person.id, provisioned: created, holder: maskNationalNumber(holder.nationalNumber), serial: certificate.serial }, 'eID login accepted');
      return {
        accountId: person.id,
        acr: deps.acr,
        amr: EID_AMR,
        ts: Math.floor(at.getTime() / 1000),
        provisioned: created,
        certificateSha256: holder.certificate.sha256,
      };
    } catch (err) {
      if (err instanceof CertificateRefusedError) {
        deps.metrics.eidLogins.inc({ outcome: err.reason, source: presented.source });
        deps.logger.info({ event: 'eid.refused', reason: err.reason, detail: err.detail, source: presented.source }, 'eID login refused');
        await audit('failure', ctx, presented, { reason: err.reason, detail: err.detail });
      }
      throw err;
    }
  };
}

export type EidAuthenticator = ReturnType<typeof createEidAuthenticator>;

/** A login attempt that reached us without any certificate: audited and counted like a refusal. */
export async function recordMissingCertificate(deps: Pick<EidAuthenticatorDeps, 'audit' | 'metrics' | 'logger'>, ctx: EidLoginContext, source: PresentedCertificate['source']): Promise<void> {
  deps.metrics.eidLogins.inc({ outcome: 'no_certificate', source });
  deps.logger.info({ event: 'eid.refused', reason: 'no_certificate', source }, 'eID login refused: no certificate presented');
  await recordAudit(deps.audit, {
    type: 'login.eid',
    outcome: 'failure',
    clientId: ctx.clientId ?? null,
    ip: ctx.ip ?? null,
    details: { interaction: ctx.interactionUid, source, reason: 'no_certificate' },
  });
}
