// Every form of an interaction carries a token bound to that interaction: an HMAC of its uid
// under a key derived (HKDF) from the provider's current cookie-signing key, so any instance
// sharing the master key accepts it and a token from one login is worthless in another. The
// interaction cookie (SameSite=Lax) already keeps other sites' posts out; the token also stops a
// form replayed into another interaction or a post made without the page.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const INFO = 'capacity-idp interaction form token v1';

export type FormTokenProblem = 'missing_csrf' | 'invalid_csrf';

export function formTokenKey(cookieKey: string | Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), INFO, 32));
}

export function formToken(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url');
}

/** undefined when `token` is the interaction's; otherwise why not. */
export function checkFormToken(key: Buffer, uid: string, token: unknown): FormTokenProblem | undefined {
  if (typeof token !== 'string' || token === '') return 'missing_csrf';
  const expected = Buffer.from(formToken(key, uid));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'invalid_csrf';
}

const derived = new Map<string, Buffer>();

/** The form-token key of the provider instance serving now (its first cookie key signs). */
export function formTokenKeyOf(provider: { keys?: unknown }): Buffer {
  const keys = provider.keys as (string | Buffer)[] | undefined;
  const current = keys?.[0];
  if (current === undefined) throw new Error('the provider has no cookie keys to derive form tokens from');
  const id = typeof current === 'string' ? current : current.toString('base64');
  let key = derived.get(id);
  if (!key) {
    key = formTokenKey(current);
    derived.set(id, key);
  }
  return key;
}
