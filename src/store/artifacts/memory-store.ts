// The embedded artifact store for a single instance. Unlike oidc-provider's development adapter
// (a bounded LRU that silently evicts sessions and grants under load), it keeps every entry until
// its own expiry. Expired entries go lazily on read and in a periodic sweep; the sweep pops from
// an indexed min-heap ordered by expiry, so its cost is proportional to what actually expired,
// and re-setting a key moves its heap slot instead of leaving a stale one behind (sessions are
// re-saved on nearly every request and live for days).

interface Entry<V> {
  readonly key: string;
  value: V;
  /** Epoch milliseconds; Infinity for entries that never expire (kept out of the heap). */
  expiresAt: number;
  /** Position in the heap array, -1 when not in the heap. */
  slot: number;
}

export interface ExpiringMemoryStoreOptions {
  /** How often expired entries are swept; default one minute. */
  sweepIntervalMs?: number;
  /** Clock in epoch milliseconds; the store's tests drive it by hand. */
  now?: () => number;
}

export class ExpiringMemoryStore<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #heap: Entry<V>[] = [];
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ExpiringMemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    // The sweep must never be what keeps the process alive.
    this.#timer.unref();
  }

  /** Stores `value` until `expiresAt` (epoch ms, exclusive); `undefined` keeps it until deleted. */
  set(key: string, value: V, expiresAt?: number): void {
    const at = expiresAt ?? Infinity;
    const entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry<V> = { key, value, expiresAt: at, slot: -1 };
      this.#entries.set(key, created);
      if (Number.isFinite(at)) this.#push(created);
      return;
    }
    entry.value = value;
    const previous = entry.expiresAt;
    entry.expiresAt = at;
    if (entry.slot === -1) {
      if (Number.isFinite(at)) this.#push(entry);
    } else if (!Number.isFinite(at)) {
      this.#removeSlot(entry.slot);
    } else if (at < previous) {
      this.#siftUp(entry.slot);
    } else {
      this.#siftDown(entry.slot);
    }
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(entry);
      return undefined;
    }
    return entry.value;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#remove(entry);
    return true;
  }

  /** Removes every expired entry; returns how many went. */
  sweep(): number {
    const now = this.#now();
    let removed = 0;
    for (let top = this.#heap[0]; top !== undefined && top.expiresAt <= now; top = this.#heap[0]) {
      this.#remove(top);
      removed += 1;
    }
    return removed;
  }

  /** Number of live (unexpired) entries. */
  size(): number {
    this.sweep();
    return this.#entries.size;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#entries.clear();
    this.#heap.length = 0;
  }

  #remove(entry: Entry<V>): void {
    this.#entries.delete(entry.key);
    if (entry.slot !== -1) this.#removeSlot(entry.slot);
  }

  #push(entry: Entry<V>): void {
    entry.slot = this.#heap.length;
    this.#heap.push(entry);
    this.#siftUp(entry.slot);
  }

  #removeSlot(slot: number): void {
    const heap = this.#heap;
    const removed = heap[slot]!;
    const last = heap.pop()!;
    removed.slot = -1;
    if (last === removed) return;
    heap[slot] = last;
    last.slot = slot;
    if (last.expiresAt < removed.expiresAt) this.#siftUp(slot);
    else this.#siftDown(slot);
  }

  #siftUp(slot: number): void {
    const heap = this.#heap;
    const entry = heap[slot]!;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot]!;
      if (parent.expiresAt <= entry.expiresAt) break;
      heap[slot] = parent;
      parent.slot = slot;
      slot = parentSlot;
    }
    heap[slot] = entry;
    entry.slot = slot;
  }

  #siftDown(slot: number): void {
    const heap = this.#heap;
    const entry = heap[slot]!;
    const length = heap.length;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right]!.expiresAt < heap[left]!.expiresAt ? right : left;
      const smaller = heap[child]!;
      if (smaller.expiresAt >= entry.expiresAt) break;
      heap[slot] = smaller;
      smaller.slot = slot;
      slot = child;
    }
    heap[slot] = entry;
    entry.slot = slot;
  }
}
