// Verified revocation answers in the shared key-value store (Redis across instances), as JSON.
// Only answers that passed verification are written, so a reader trusts them as they are; each
// still carries its own thisUpdate/nextUpdate and is re-checked against the clock on reading.
// CRLs are kept parsed in process too: a large CRL is megabytes of JSON to fetch and parse.
// A store outage degrades to a cache miss: revocation is still checked at the source.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { KeyValueStore } from '../../store/kv.ts';
import type { CrlSnapshot } from './crl.ts';
import type { OcspAnswer } from './ocsp.ts';

export type CachedOcspAnswer = Pick<OcspAnswer, 'status' | 'thisUpdate' | 'nextUpdate' | 'revokedAt'>;

interface StoredOcsp {
  v: 1;
  status: 'good' | 'revoked';
  thisUpdate: string;
  nextUpdate?: string;
  revokedAt?: string;
}

interface StoredCrl {
  v: 1;
  url: string;
  thisUpdate: string;
  nextUpdate: string;
  revoked: string[];
}

export const ocspCacheKey = (issuerId: string, serial: string) => `revocation:ocsp:${issuerId}:${serial}`;
/** Keyed by URL and issuer: the same URL answering for another CA is another entry. */
export const crlCacheKey = (issuerId: string, url: string) => `revocation:crl:${createHash('sha256').update(`${issuerId} ${url}`).digest('hex')}`;

export class RevocationCache {
  readonly #kv: KeyValueStore;
  readonly #counter: Counter<'method' | 'outcome'>;
  readonly #logger: Logger;
  readonly #crls = new Map<string, { snapshot: CrlSnapshot; expiresAt: number }>();

  constructor(kv: KeyValueStore, counter: Counter<'method' | 'outcome'>, logger: Logger) {
    this.#kv = kv;
    this.#counter = counter;
    this.#logger = logger;
  }

  async getOcsp(issuerId: string, serial: string, now: Date, clockSkewMs: number): Promise<CachedOcspAnswer | undefined> {
    const stored = await this.#read<StoredOcsp>(ocspCacheKey(issuerId, serial));
    const answer = stored?.v === 1 ? parseOcsp(stored) : undefined;
    const usable = answer !== undefined && (!answer.nextUpdate || answer.nextUpdate.getTime() >= now.getTime() - clockSkewMs);
    this.#counter.inc({ method: 'ocsp', outcome: usable ? 'hit' : 'miss' });
    return usable ? answer : undefined;
  }

  async setOcsp(issuerId: string, serial: string, answer: OcspAnswer, ttlMs: number): Promise<void> {
    if (ttlMs < 1000 || answer.status === 'unknown') return;
    const stored: StoredOcsp = {
      v: 1,
      status: answer.status,
      thisUpdate: answer.thisUpdate.toISOString(),
      ...(answer.nextUpdate ? { nextUpdate: answer.nextUpdate.toISOString() } : {}),
      ...(answer.revokedAt ? { revokedAt: answer.revokedAt.toISOString() } : {}),
    };
    await this.#write(ocspCacheKey(issuerId, serial), JSON.stringify(stored), ttlMs);
  }

  async getCrl(issuerId: string, url: string, now: Date, clockSkewMs: number): Promise<CrlSnapshot | undefined> {
    const key = crlCacheKey(issuerId, url);
    const fresh = (s: CrlSnapshot) => s.nextUpdate.getTime() >= now.getTime() - clockSkewMs;
    const memo = this.#crls.get(key);
    if (memo && memo.expiresAt > Date.now() && fresh(memo.snapshot)) {
      this.#counter.inc({ method: 'crl', outcome: 'hit' });
      return memo.snapshot;
    }
    const stored = await this.#read<StoredCrl>(key);
    const snapshot = stored?.v === 1 && stored.url === url ? parseCrl(stored) : undefined;
    if (snapshot && fresh(snapshot)) {
      this.#counter.inc({ method: 'crl', outcome: 'hit' });
      // The store's own TTL is not readable through KeyValueStore; the memo re-reads within a minute.
      this.#remember(key, snapshot, Math.min(snapshot.nextUpdate.getTime(), Date.now() + 60_000));
      return snapshot;
    }
    this.#counter.inc({ method: 'crl', outcome: 'miss' });
    return undefined;
  }

  async setCrl(issuerId: string, snapshot: CrlSnapshot, ttlMs: number): Promise<void> {
    if (ttlMs < 1000) return;
    const key = crlCacheKey(issuerId, snapshot.url);
    this.#remember(key, snapshot, Date.now() + ttlMs);
    const stored: StoredCrl = {
      v: 1,
      url: snapshot.url,
      thisUpdate: snapshot.thisUpdate.toISOString(),
      nextUpdate: snapshot.nextUpdate.toISOString(),
      revoked: [...snapshot.revoked],
    };
    await this.#write(key, JSON.stringify(stored), ttlMs);
  }

  #remember(key: string, snapshot: CrlSnapshot, expiresAt: number): void {
    const now = Date.now();
    for (const [k, entry] of this.#crls) if (entry.expiresAt <= now) this.#crls.delete(k);
    this.#crls.set(key, { snapshot, expiresAt });
  }

  async #read<T>(key: string): Promise<T | undefined> {
    let raw: string | undefined;
    try {
      raw = await this.#kv.get(key);
    } catch (err) {
      this.#logger.warn({ err, key }, 'revocation cache unreadable, asking the source');
      return undefined;
    }
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      this.#logger.warn({ key }, 'revocation cache entry is not JSON, ignored');
      return undefined;
    }
  }

  async #write(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.#kv.set(key, value, Math.floor(ttlMs / 1000));
    } catch (err) {
      this.#logger.warn({ err, key }, 'revocation cache not written');
    }
  }
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function parseOcsp(stored: StoredOcsp): CachedOcspAnswer | undefined {
  const thisUpdate = date(stored.thisUpdate);
  if (!thisUpdate || (stored.status !== 'good' && stored.status !== 'revoked')) return undefined;
  const nextUpdate = date(stored.nextUpdate);
  const revokedAt = date(stored.revokedAt);
  return { status: stored.status, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), ...(revokedAt ? { revokedAt } : {}) };
}

function parseCrl(stored: StoredCrl): CrlSnapshot | undefined {
  const thisUpdate = date(stored.thisUpdate);
  const nextUpdate = date(stored.nextUpdate);
  if (!thisUpdate || !nextUpdate || !Array.isArray(stored.revoked)) return undefined;
  return { url: stored.url, thisUpdate, nextUpdate, revoked: new Set(stored.revoked.filter((s) => typeof s === 'string')) };
}
