// The certificate origin validates the card and sends the browser back to the main origin with
// a ticket. The ticket alone must not be enough: a URL leaks (history, logs, a shoulder), and a
// ticket pasted into another browser would sign that browser in as the card holder. So the main
// origin first gives the browser a random binding secret in an HttpOnly cookie of its own and
// sends only the secret's hash (the proof) to the certificate origin; the ticket is issued for
// that proof, and redeeming it needs the cookie that hashes to it, for the same interaction,
// once, within its lifetime.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../store/kv.ts';

export interface BrowserBinding {
  /** Goes into an HttpOnly, Secure cookie on the main origin, scoped to the interaction. */
  cookieValue: string;
  /** Goes to the certificate origin with the interaction uid; reveals nothing of the cookie. */
  proof: string;
}

export const TICKET_REFUSALS = ['unknown_or_used', 'expired', 'wrong_interaction', 'wrong_browser'] as const;
export type TicketRefusal = (typeof TICKET_REFUSALS)[number];

export class TicketError extends Error {
  readonly reason: TicketRefusal;
  constructor(reason: TicketRefusal, message: string) {
    super(message);
    this.name = 'TicketError';
    this.reason = reason;
  }
}

/** 256 random bits, base64url: the shape of binding secrets, proofs and tickets alike. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const randomToken = () => randomBytes(32).toString('base64url');
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

/** A ticket outlives its lifetime in the store a little, so a late redemption says "expired". */
const EXPIRED_GRACE_SECONDS = 60;

export function createBinding(): BrowserBinding {
  const cookieValue = randomToken();
  return { cookieValue, proof: bindingProof(cookieValue) };
}

/** The proof a binding cookie stands for: SHA-256 of the cookie value, base64url. */
export function bindingProof(cookieValue: string): string {
  return sha256(cookieValue);
}

/** For the certificate origin to reject a tampered query parameter before validating a card. */
export function isBindingProof(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

interface StoredTicket<T> {
  uid: string;
  proof: string;
  result: T;
  /** Milliseconds since the epoch. */
  exp: number;
}

const ticketKey = (ticket: string) => `eid:ticket:${sha256(ticket)}`;

function assertUid(uid: string): void {
  if (!uid || uid.length > 256) throw new RangeError('interaction uid must be 1 to 256 characters');
}

/** Stores the result for one redemption and returns the opaque ticket (256 random bits). */
export async function issueTicket<T>(
  kv: KeyValueStore,
  input: { uid: string; proof: string; result: T; ttlSeconds: number },
): Promise<string> {
  assertUid(input.uid);
  if (!isBindingProof(input.proof)) throw new RangeError('binding proof must be 32 bytes in base64url');
  if (!(input.ttlSeconds > 0)) throw new RangeError('ticket lifetime must be positive');
  const ticket = randomToken();
  const stored: StoredTicket<T> = { uid: input.uid, proof: input.proof, result: input.result, exp: Date.now() + input.ttlSeconds * 1000 };
  // Only the ticket's hash is a key: whoever can read the store cannot redeem what is in it.
  await kv.set(ticketKey(ticket), JSON.stringify(stored), input.ttlSeconds + EXPIRED_GRACE_SECONDS);
  return ticket;
}

/**
 * Takes the ticket (gone afterwards, whatever the outcome: a ticket tried from a wrong browser
 * cannot be tried again) and returns its result, or throws TicketError.
 */
export async function redeemTicket<T>(
  kv: KeyValueStore,
  input: { ticket: string; uid: string; bindingCookie: string | undefined },
): Promise<T> {
  if (!TOKEN.test(input.ticket)) throw new TicketError('unknown_or_used', 'ticket is not well-formed');
  const raw = await kv.take(ticketKey(input.ticket));
  if (raw === undefined) throw new TicketError('unknown_or_used', 'ticket unknown or already used');
  const stored = JSON.parse(raw) as StoredTicket<T>;
  if (Date.now() >= stored.exp) throw new TicketError('expired', 'ticket expired');
  if (stored.uid !== input.uid) throw new TicketError('wrong_interaction', 'ticket was issued for another interaction');
  if (input.bindingCookie === undefined || !sameProof(bindingProof(input.bindingCookie), stored.proof)) {
    throw new TicketError('wrong_browser', 'binding cookie missing or not the one the ticket was issued for');
  }
  return stored.result;
}

function sameProof(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
