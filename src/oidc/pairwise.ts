// Pairwise subject identifiers (OIDC Core 8.1) for clients registered with subject_type pairwise:
// the same person gets a different, stable `sub` per sector, so relying parties cannot correlate.
import { createHmac } from 'node:crypto';
import type { Configuration } from 'oidc-provider';

export function createPairwiseIdentifier(key: Buffer): NonNullable<Configuration['pairwiseIdentifier']> {
  return (_ctx, accountId, client) =>
    createHmac('sha256', key).update(`${client.sectorIdentifier}\u0000${accountId}`).digest('base64url');
}
