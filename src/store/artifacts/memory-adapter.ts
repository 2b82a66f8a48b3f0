// oidc-provider adapter over the embedded store: for a single instance without Redis. Payloads
// are kept as JSON text, so what comes back from find() is exactly what Redis would return
// (undefined members dropped, no shared mutable objects between requests).
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { ExpiringMemoryStore } from './memory-store.ts';
import { consumedOf, epochSeconds, indexesOf, lifetimeMs, recordKey, type RecordIndexes } from './models.ts';

interface StoredRecord {
  json: string;
  consumed?: number;
  indexes: RecordIndexes;
}

/** Grant members: record key -> expiry (epoch ms, Infinity when the member never expires). */
type GrantMembers = Map<string, number>;

export interface MemoryAdapterFactoryOptions {
  clockToleranceSeconds: number;
  /** How often expired artifacts are swept; default one minute. */
  sweepIntervalMs?: number;
}

export interface MemoryAdapterFactory {
  /** The value for oidc-provider's `adapter` option. */
  factory: (name: string) => Adapter;
  /** Live records (indexes not counted). */
  size(): number;
  /** Stops the sweeps and drops everything. */
  close(): void;
}

class MemoryArtifacts {
  readonly records: ExpiringMemoryStore<StoredRecord>;
  readonly lookups: ExpiringMemoryStore<string>;
  readonly grants: ExpiringMemoryStore<GrantMembers>;
  readonly clockToleranceSeconds: number;

  constructor(options: MemoryAdapterFactoryOptions) {
    const storeOptions = options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs };
    this.records = new ExpiringMemoryStore(storeOptions);
    this.lookups = new ExpiringMemoryStore(storeOptions);
    this.grants = new ExpiringMemoryStore(storeOptions);
    this.clockToleranceSeconds = options.clockToleranceSeconds;
  }

  addToGrant(grantId: string, key: string, expiresAt: number): void {
    const members = this.grants.get(grantId) ?? new Map<string, number>();
    members.set(key, expiresAt);
    this.saveGrant(grantId, members);
  }

  removeFromGrant(grantId: string, key: string): void {
    const members = this.grants.get(grantId);
    if (!members) return;
    members.delete(key);
    this.saveGrant(grantId, members);
  }

  /** Drops expired members and lets the grant live exactly as long as its longest member. */
  saveGrant(grantId: string, members: GrantMembers): void {
    const now = Date.now();
    let longest = -Infinity;
    for (const [key, expiresAt] of members) {
      if (expiresAt <= now) members.delete(key);
      else if (expiresAt > longest) longest = expiresAt;
    }
    if (members.size === 0) this.grants.delete(grantId);
    else this.grants.set(grantId, members, longest);
  }

  /** Removes the uid/userCode lookups, but only where they still point at this record. */
  dropLookups(model: string, id: string, indexes: RecordIndexes): void {
    for (const key of lookupKeys(model, indexes)) {
      if (this.lookups.get(key) === id) this.lookups.delete(key);
    }
  }
}

function lookupKeys(model: string, indexes: RecordIndexes): string[] {
  const keys: string[] = [];
  if (indexes.uid) keys.push(`uid:${model}:${indexes.uid}`);
  if (indexes.userCode) keys.push(`userCode:${model}:${indexes.userCode}`);
  return keys;
}

class MemoryAdapter implements Adapter {
  readonly #model: string;
  readonly #store: MemoryArtifacts;

  constructor(model: string, store: MemoryArtifacts) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const store = this.#store;
    const key = recordKey(this.#model, id);
    this.#unlink(id, key);

    const lifetime = lifetimeMs(expiresIn, store.clockToleranceSeconds);
    if (lifetime !== undefined && lifetime <= 0) {
      store.records.delete(key);
      return;
    }
    const expiresAt = lifetime === undefined ? Infinity : Date.now() + lifetime;
    const indexes = indexesOf(this.#model, payload);
    const record: StoredRecord = { json: JSON.stringify(payload), indexes };
    const consumed = consumedOf(payload);
    if (consumed !== undefined) record.consumed = consumed;
    store.records.set(key, record, expiresAt);
    for (const lookup of lookupKeys(this.#model, indexes)) store.lookups.set(lookup, id, expiresAt);
    if (indexes.grantId) store.addToGrant(indexes.grantId, key, expiresAt);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#read(recordKey(this.#model, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup(`uid:${this.#model}:${uid}`);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup(`userCode:${this.#model}:${userCode}`);
  }

  async consume(id: string): Promise<void> {
    const record = this.#store.records.get(recordKey(this.#model, id));
    // The first consumption is the one that counts: later (concurrent) ones keep its timestamp.
    if (record && record.consumed === undefined) record.consumed = epochSeconds();
  }

  async destroy(id: string): Promise<void> {
    const key = recordKey(this.#model, id);
    this.#unlink(id, key);
    this.#store.records.delete(key);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const store = this.#store;
    const members = store.grants.get(grantId);
    store.grants.delete(grantId);
    if (!members) return;
    for (const key of members.keys()) {
      const record = store.records.get(key);
      store.records.delete(key);
      if (record) {
        const separator = key.indexOf(':');
        store.dropLookups(key.slice(0, separator), key.slice(separator + 1), record.indexes);
      }
    }
  }

  #findByLookup(lookup: string): AdapterPayload | undefined {
    const id = this.#store.lookups.get(lookup);
    return id === undefined ? undefined : this.#read(recordKey(this.#model, id));
  }

  #read(key: string): AdapterPayload | undefined {
    const record = this.#store.records.get(key);
    if (!record) return undefined;
    const payload = JSON.parse(record.json) as AdapterPayload;
    if (record.consumed !== undefined) payload.consumed = record.consumed;
    return payload;
  }

  /** Detaches the current version of a record from its lookups and its grant. */
  #unlink(id: string, key: string): void {
    const previous = this.#store.records.get(key);
    if (!previous) return;
    this.#store.dropLookups(this.#model, id, previous.indexes);
    if (previous.indexes.grantId) this.#store.removeFromGrant(previous.indexes.grantId, key);
  }
}

export function createMemoryAdapterFactory(options: MemoryAdapterFactoryOptions): MemoryAdapterFactory {
  const store = new MemoryArtifacts(options);
  return {
    factory: (name: string) => new MemoryAdapter(name, store),
    size: () => store.records.size(),
    close() {
      store.records.close();
      store.lookups.close();
      store.grants.close();
    },
  };
}
