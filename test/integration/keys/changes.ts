// Collects what a key-set watcher reports, and waits for it.
import type { KeySet } from '../../../src/keys/signing-keys.ts';

export interface Changes {
  seen: KeySet[];
  onChange(keySet: KeySet): void;
  /** Resolves once `count` changes have been seen; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs?: number): Promise<KeySet[]>;
}

export function collectChanges(): Changes {
  const seen: KeySet[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  return {
    seen,
    onChange(keySet) {
      seen.push(keySet);
      for (const w of waiters.filter((w) => seen.length >= w.count)) w.resolve();
    },
    async waitFor(count, timeoutMs = 5000) {
      if (seen.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`saw ${seen.length} key-set changes, expected ${count} within ${timeoutMs} ms`)), timeoutMs);
          waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
        });
      }
      return seen;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
