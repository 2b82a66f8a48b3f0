import { planKeySet } from '../../../src/keys/plan.ts';
import type { SigningKeyTimes } from '../../../src/keys/store.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

function key(kid: string, alg: 'ES256' | 'RS256', times: { publish: number; activate: number; retire?: number }): SigningKeyTimes {
  return {
    kid,
    alg,
    publishAt: at(times.publish),
    activateAt: at(times.activate),
    retireAt: times.retire === undefined ? null : at(times.retire),
  };
}

// A rotation made at minute 10: new keys published then, signing from minute 20; the old keys
// retire at minute 80 (activation + a 60-minute token lifetime).
const rotated = [
  key('es-old', 'ES256', { publish: 0, activate: 0, retire: 80 }),
  key('rs-old', 'RS256', { publish: 0, activate: 0, retire: 80 }),
  key('es-new', 'ES256', { publish: 10, activate: 20 }),
  key('rs-new', 'RS256', { publish: 10, activate: 20 }),
];

const kids = (plan: ReturnType<typeof planKeySet>) => plan.published.map((k) => `${k.kid}:${k.state}`);

describe('planKeySet', () => {
  it('publishes one active key per alg when nothing is rotating, with no change ahead', () => {
    const plan = planKeySet(rotated.slice(0, 2), at(5));
    expect(kids(plan)).toEqual(['es-old:active', 'rs-old:active']);
    expect(plan.nextChangeAt).toEqual(at(80));
  });

  it('before activation, keeps the old key first (it signs) and publishes the new one after it', () => {
    const plan = planKeySet(rotated, at(15));
    expect(kids(plan)).toEqual(['es-old:active', 'es-new:pending', 'rs-old:active', 'rs-new:pending']);
    expect(plan.nextChangeAt).toEqual(at(20));
  });

  it('from activation on, puts the new key first and keeps the old one published for verification', () => {
    const plan = planKeySet(rotated, at(20));
    expect(kids(plan)).toEqual(['es-new:active', 'es-old:retiring', 'rs-new:active', 'rs-old:retiring']);
    expect(plan.nextChangeAt).toEqual(at(80));
  });

  it('drops the old key at its retirement time and reports it as retired', () => {
    const plan = planKeySet(rotated, at(80));
    expect(kids(plan)).toEqual(['es-new:active', 'rs-new:active']);
    expect(plan.all.filter((k) => k.state === 'retired').map((k) => k.kid)).toEqual(['es-old', 'rs-old']);
    expect(plan.nextChangeAt).toBeUndefined();
  });

  it('does not publish a key before its publication time', () => {
    const plan = planKeySet(rotated, at(5));
    expect(plan.published.map((k) => k.kid)).not.toContain('es-new');
    expect(plan.all.find((k) => k.kid === 'es-new')?.state).toBe('scheduled');
    expect(plan.nextChangeAt).toEqual(at(10));
  });

  it('changes the fingerprint exactly when the published set or its order changes', () => {
    const fingerprints = [5, 9, 10, 15, 19, 20, 50, 79, 80, 200].map((m) => planKeySet(rotated, at(m)).fingerprint);
    expect(new Set(fingerprints).size).toBe(4);
    expect(fingerprints[0]).toBe(fingerprints[1]);
    expect(fingerprints[2]).toBe(fingerprints[4]);
    expect(fingerprints[5]).toBe(fingerprints[7]);
    expect(fingerprints[8]).toBe(fingerprints[9]);
  });

  it('orders keys the same way whatever order the database returns them in', () => {
    const reversed = [...rotated].reverse();
    expect(planKeySet(reversed, at(30))).toEqual(planKeySet(rotated, at(30)));
  });

  it('keeps several superseded keys newest first behind the active one', () => {
    const keys = [
      key('a', 'ES256', { publish: 0, activate: 0, retire: 100 }),
      key('b', 'ES256', { publish: 5, activate: 10, retire: 100 }),
      key('c', 'ES256', { publish: 15, activate: 20 }),
    ];
    expect(kids(planKeySet(keys, at(30)))).toEqual(['c:active', 'b:retiring', 'a:retiring']);
  });
});
