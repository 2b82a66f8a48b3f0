// Lets running instances follow rotations made elsewhere (the CLI, another instance). Each check
// reads only the keys' metadata; key material is decrypted only when the effective set changed.
// A check also runs at the instant the set changes by itself (a key activating or retiring), so
// every instance switches signing keys at the scheduled time rather than up to an interval late.
import type { Logger } from '../observability/logger.ts';
import type { Queryable } from '../store/database.ts';
import { loadKeySet, type KeyEncryption, type KeySet } from './key-set.ts';
import { planKeySet } from './plan.ts';
import { selectKeyTimes } from './store.ts';

export interface WatchKeySetOptions {
  db: Queryable;
  secrets: KeyEncryption;
  intervalMs: number;
  /** Fingerprint of the set the caller already runs with; without it the first set found is reported. */
  current?: string;
  /** Called once per change, never concurrently. When it throws, the same change is offered again at the next check. */
  onChange(keySet: KeySet): void | Promise<void>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface KeySetWatcher {
  /** Checks now (also used by the timers); resolves when done, never rejects. */
  check(): Promise<void>;
  stop(): void;
}

export function watchKeySet(options: WatchKeySetOptions): KeySetWatcher {
  const { db, secrets, intervalMs, onChange, logger } = options;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  let known = options.current;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let exactTimer: NodeJS.Timeout | undefined;

  const scheduleExact = (at: Date | undefined, now: Date) => {
    clearTimeout(exactTimer);
    exactTimer = undefined;
    if (!at || stopped) return;
    const delay = at.getTime() - now.getTime();
    // Further away than one interval: a later poll schedules it (and a delay beyond 2^31 ms would
    // make Node fire at once).
    if (delay > intervalMs) return;
    exactTimer = setTimeout(() => void check(), Math.max(delay, 0));
    exactTimer.unref();
  };

  const checkOnce = async () => {
    const now = new Date();
    let keySet: KeySet;
    try {
      const plan = planKeySet(await selectKeyTimes(db), now);
      scheduleExact(plan.nextChangeAt, now);
      if (plan.fingerprint === known) return;
      keySet = await loadKeySet(db, secrets, now);
    } catch (err) {
      logger.warn({ err }, 'signing keys: cannot read the key set; keeping the current one and retrying at the next check');
      return;
    }
    if (keySet.fingerprint === known || stopped) return;
    try {
      await onChange(keySet);
      known = keySet.fingerprint;
      logger.info(
        { kids: keySet.publicJwks.keys.map((k) => k.kid), nextChangeAt: keySet.nextChangeAt },
        'signing keys: the effective key set changed',
      );
    } catch (err) {
      logger.error({ err }, 'signing keys: applying the new key set failed; retrying at the next check');
    }
  };

  const check = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await checkOnce();
        } while (again && !stopped);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const pollTimer = setInterval(() => void check(), intervalMs);
  pollTimer.unref();
  const firstTimer = setTimeout(() => void check(), 0);
  firstTimer.unref();

  return {
    check,
    stop() {
      stopped = true;
      clearInterval(pollTimer);
      clearTimeout(firstTimer);
      clearTimeout(exactTimer);
    },
  };
}
