// Why one source (an OCSP responder or a CRL) could not answer. Never reaches the caller: the
// checker turns it into a fallback, a soft failure or a CertificateRefusedError.

/**
 * unreachable: network error, timeout, HTTP error status, responder busy (tryLater);
 * invalid: an answer we must not rely on (bad signature, unauthorized signer, stale, nonce
 * mismatch, not about this certificate, malformed).
 */
export type SourceFailureKind = 'unreachable' | 'invalid';

export class RevocationSourceError extends Error {
  readonly kind: SourceFailureKind;
  constructor(kind: SourceFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RevocationSourceError';
    this.kind = kind;
  }
}
