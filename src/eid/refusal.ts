// Why an eID certificate was not accepted. Each reason maps to a page that tells the person what
// happened and what to do (src/interaction), to an audit event and to a metric label; the
// `detail` is for logs and audit only and never shown to the person.
export const REFUSAL_REASONS = [
  /** No certificate reached us: card not in the reader, no middleware, picker cancelled. */
  'no_certificate',
  /** Not parseable as an X.509 certificate, truncated, oversized, garbage in a header. */
  'malformed_certificate',
  'expired',
  'not_yet_valid',
  /** No path to a configured trust anchor (unknown issuer, self-signed, chain loop). */
  'unknown_issuer',
  /** A signature in the chain does not verify (tampered certificate). */
  'invalid_signature',
  /** The person chose the Signature (non-repudiation) certificate instead of Authentication. */
  'signature_certificate',
  /** Key usage or extended key usage does not allow TLS client authentication. */
  'wrong_key_usage',
  /** A CA certificate presented as the person's certificate, or CA constraints broken in the chain. */
  'not_an_end_entity',
  /** No certificate policy from the allow-list. */
  'policy_not_allowed',
  /** No national register or BIS number in serialNumber, or its checksum is wrong. */
  'invalid_identity',
  'revoked',
  /** OCSP and CRL could not establish the status and fail mode is closed. */
  'revocation_unavailable',
  /** A signed challenge did not verify, or its nonce is unknown, expired or already used. */
  'invalid_challenge_response',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export class CertificateRefusedError extends Error {
  readonly reason: RefusalReason;
  /** For logs and audit; may name certificate fields, never a national register number. */
  readonly detail: string;
  constructor(reason: RefusalReason, detail: string, options?: { cause?: unknown }) {
    super(`certificate refused (${reason}): ${detail}`, options);
    this.name = 'CertificateRefusedError';
    this.reason = reason;
    this.detail = detail;
  }
}
