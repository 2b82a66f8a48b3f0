// Which keys make up the effective set at a given instant, in the order oidc-provider needs:
// per alg the signing (active) key first, because the provider signs with the first key of an
// alg (oidc-provider #449); then keys about to sign, so relying parties cache them beforehand;
// then superseded keys that still verify tokens they signed. Pure: no I/O, so the watcher can
// decide on metadata alone whether anything needs decrypting.
import { createHash } from 'node:crypto';
import { SIGNING_ALGS } from './algorithms.ts';
import type { SigningKeyTimes } from './store.ts';

export type SigningKeyState = 'scheduled' | 'pending' | 'active' | 'retiring' | 'retired';

export interface PlannedKey extends SigningKeyTimes {
  state: SigningKeyState;
}

export interface KeySetPlan {
  /** Published keys in JWKS order (states active, pending, retiring). */
  published: PlannedKey[];
  /** Every key with its state, for listings. */
  all: PlannedKey[];
  /** Identifies the published set and its order: equal fingerprints mean the same JWKS. */
  fingerprint: string;
  /** The earliest future instant at which some key changes state. */
  nextChangeAt?: Date;
}

const byKid = (a: SigningKeyTimes, b: SigningKeyTimes) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
const activationAscending = (a: SigningKeyTimes, b: SigningKeyTimes) =>
  a.activateAt.getTime() - b.activateAt.getTime() || byKid(a, b);
const activationDescending = (a: SigningKeyTimes, b: SigningKeyTimes) =>
  b.activateAt.getTime() - a.activateAt.getTime() || byKid(a, b);

export function fingerprintOf(kids: string[]): string {
  return createHash('sha256').update(JSON.stringify(kids)).digest('base64url');
}

export function planKeySet(keys: SigningKeyTimes[], now: Date): KeySetPlan {
  const t = now.getTime();
  const published: PlannedKey[] = [];
  const all: PlannedKey[] = [];

  for (const alg of SIGNING_ALGS) {
    const ofAlg = keys.filter((k) => k.alg === alg);
    const retired = ofAlg.filter((k) => k.retireAt !== null && k.retireAt.getTime() <= t);
    const scheduled = ofAlg.filter((k) => !retired.includes(k) && k.publishAt.getTime() > t);
    const live = ofAlg.filter((k) => !retired.includes(k) && !scheduled.includes(k));
    const pending = live.filter((k) => k.activateAt.getTime() > t).sort(activationAscending);
    const [active, ...retiring] = live.filter((k) => k.activateAt.getTime() <= t).sort(activationDescending);

    const inOrder: PlannedKey[] = [
      ...(active ? [{ ...active, state: 'active' as const }] : []),
      ...pending.map((k) => ({ ...k, state: 'pending' as const })),
      ...retiring.map((k) => ({ ...k, state: 'retiring' as const })),
    ];
    published.push(...inOrder);
    all.push(
      ...scheduled.sort(activationAscending).map((k) => ({ ...k, state: 'scheduled' as const })),
      ...inOrder,
      ...retired.sort(activationDescending).map((k) => ({ ...k, state: 'retired' as const })),
    );
  }

  const future = keys
    .flatMap((k) => [k.publishAt, k.activateAt, k.retireAt])
    .filter((d): d is Date => d !== null && d.getTime() > t)
    .map((d) => d.getTime());
  const plan: KeySetPlan = { published, all, fingerprint: fingerprintOf(published.map((k) => k.kid)) };
  if (future.length > 0) plan.nextChangeAt = new Date(Math.min(...future));
  return plan;
}
