// Public surface of the signing-key module.
export { SIGNING_ALGS, type SigningAlg } from './algorithms.ts';
export { MasterKeyMismatchError, RotationPendingError } from './errors.ts';
export { ensureSigningKeys } from './ensure.ts';
export { loadKeySet, listSigningKeys, type KeyEncryption, type KeySet } from './key-set.ts';
export { type KeySetPlan, type PlannedKey, type SigningKeyState } from './plan.ts';
export {
  rotateSigningKeys,
  pruneRetiredKeys,
  longestSignedTokenLifetimeSeconds,
  DEFAULT_PRUNE_MARGIN_SECONDS,
  type RotateOptions,
  type RotationResult,
} from './rotate.ts';
export { SIGNING_KEYS_LOCK } from './lock.ts';
export { watchKeySet, type KeySetWatcher, type WatchKeySetOptions } from './watch.ts';
