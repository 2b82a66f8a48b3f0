import { ExpiringMemoryStore } from '../../../src/store/artifacts/memory-store.ts';

/** A hand-driven clock, so expiry is exact and the 100k-entry cases run in milliseconds. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

describe('ExpiringMemoryStore', () => {
  const stores: ExpiringMemoryStore<unknown>[] = [];
  function storeWith(clock: { now: () => number }): ExpiringMemoryStore<number> {
    const store = new ExpiringMemoryStore<number>({ now: clock.now, sweepIntervalMs: 3_600_000 });
    stores.push(store);
    return store;
  }
  afterEach(() => stores.splice(0).forEach((s) => s.close()));

  it('returns an entry until its expiry and nothing from that instant on', () => {
    const clock = manualClock();
    const store = storeWith(clock);
    store.set('a', 1, clock.now() + 1000);
    clock.advance(999);
    expect(store.get('a')).toBe(1);
    clock.advance(1);
    expect(store.get('a')).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  it('keeps entries without an expiry until they are deleted', () => {
    const clock = manualClock();
    const store = storeWith(clock);
    store.set('forever', 1);
    clock.advance(10 * 365 * 86_400_000);
    expect(store.sweep()).toBe(0);
    expect(store.get('forever')).toBe(1);
    expect(store.delete('forever')).toBe(true);
    expect(store.get('forever')).toBeUndefined();
  });

  it('re-setting a key moves its expiry both ways and replaces its value', () => {
    const clock = manualClock();
    const store = storeWith(clock);
    store.set('k', 1, clock.now() + 1000);
    store.set('k', 2, clock.now() + 5000);
    clock.advance(2000);
    expect(store.sweep()).toBe(0);
    expect(store.get('k')).toBe(2);
    store.set('k', 3, clock.now() + 100);
    clock.advance(100);
    expect(store.sweep()).toBe(1);
    expect(store.size()).toBe(0);
    store.set('k', 4, clock.now() + 100);
    store.set('k', 5);
    clock.advance(1000);
    expect(store.get('k')).toBe(5);
  });

  it('never evicts an unexpired entry, even with 100k of them', () => {
    const clock = manualClock();
    const store = storeWith(clock);
    const count = 100_000;
    for (let i = 0; i < count; i += 1) store.set(`k${i}`, i, clock.now() + 60_000 + (i % 1000));
    clock.advance(59_999);
    expect(store.sweep()).toBe(0);
    expect(store.size()).toBe(count);
    let intact = 0;
    for (let i = 0; i < count; i += 1) if (store.get(`k${i}`) === i) intact += 1;
    expect(intact).toBe(count);
  });

  it('sweeps every entry by its expiry, so none outlives it, in any insertion order', () => {
    const clock = manualClock();
    const store = storeWith(clock);
    const start = clock.now();
    const count = 100_000;
    const expiries = new Map<string, number>();
    // A deterministic shuffle of expiries between 1 ms and 10 s, with re-sets and deletes mixed in.
    let seed = 42;
    const random = () => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed / 2 ** 31; };
    for (let i = 0; i < count; i += 1) {
      const at = start + 1 + Math.floor(random() * 10_000);
      store.set(`k${i}`, i, at);
      expiries.set(`k${i}`, at);
    }
    for (let i = 0; i < count; i += 7) {
      const at = start + 1 + Math.floor(random() * 10_000);
      store.set(`k${i}`, -i, at);
      expiries.set(`k${i}`, at);
    }
    for (let i = 3; i < count; i += 11) {
      store.delete(`k${i}`);
      expiries.delete(`k${i}`);
    }

    for (let t = 0; t <= 10_000; t += 250) {
      clock.advance(t === 0 ? 0 : 250);
      store.sweep();
      const now = clock.now();
      let alive = 0;
      for (const at of expiries.values()) if (at > now) alive += 1;
      // Nothing expired survives a sweep, and nothing unexpired is taken by it.
      expect(store.size()).toBe(alive);
    }
    expect(store.size()).toBe(0);
  });

  it('sweeps expired entries on its own timer, without anyone reading them', async () => {
    const store = new ExpiringMemoryStore<number>({ sweepIntervalMs: 20 });
    stores.push(store);
    store.set('short', 1, Date.now() + 10);
    store.set('long', 2, Date.now() + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Had the timer not run, this manual sweep would be the one removing 'short'.
    expect(store.sweep()).toBe(0);
    expect(store.size()).toBe(1);
    expect(store.get('long')).toBe(2);
  });

  it('close() drops everything and stops the sweep', () => {
    const store = new ExpiringMemoryStore<number>();
    store.set('a', 1, Date.now() + 1000);
    store.close();
    expect(store.size()).toBe(0);
    expect(store.get('a')).toBeUndefined();
  });
});
