import type { SigningAlg } from './algorithms.ts';

/** The stored private keys were sealed under another master key (or the rows were tampered with). */
export class MasterKeyMismatchError extends Error {
  readonly kid: string;
  constructor(kid: string, cause?: unknown) {
    super(
      `the master key does not match the stored signing keys (cannot decrypt signing key ${kid}); ` +
        'start with the master key the keys were created with, or rotate them under the new one',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'MasterKeyMismatchError';
    this.kid = kid;
  }
}

/** A rotation was asked while the previous one has not taken effect yet. */
export class RotationPendingError extends Error {
  readonly pending: { kid: string; alg: SigningAlg; activateAt: Date }[];
  constructor(pending: { kid: string; alg: SigningAlg; activateAt: Date }[]) {
    const list = pending.map((k) => `${k.alg} ${k.kid} at ${k.activateAt.toISOString()}`).join(', ');
    super(`a key rotation is still pending (${list}); wait until it is active or force a new rotation`);
    this.name = 'RotationPendingError';
    this.pending = pending;
  }
}
