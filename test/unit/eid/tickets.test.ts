// A ticket carries a validated login from the certificate origin back to the main origin. It
// works once, for the interaction it was issued for, in the browser that holds the binding
// cookie, within its lifetime; on the in-process store and on Redis alike.
import { TicketError, bindingProof, createBinding, isBindingProof, issueTicket, redeemTicket, type TicketRefusal } from '../../../src/eid/tickets.ts';
import { keyValueBackends } from '../../support/kv.ts';

const stores = await keyValueBackends('eidtickets');
const backends = stores.list;
const { memory, prefix } = stores;

beforeAll(() => stores.open());
afterAll(() => stores.close());

interface LoginResult {
  personId: string;
  certificateSha256: string;
}
const result: LoginResult = { personId: 'p-123', certificateSha256: 'ab'.repeat(32) };

async function refusalOf(promise: Promise<unknown>): Promise<TicketRefusal> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TicketError) return err.reason;
    throw err;
  }
  throw new Error('expected a TicketError');
}

describe('browser binding', () => {
  test('the proof is the hash of the cookie value and reveals nothing of it', () => {
    const binding = createBinding();
    expect(binding.proof).toBe(bindingProof(binding.cookieValue));
    expect(binding.proof).not.toContain(binding.cookieValue);
    expect(isBindingProof(binding.proof)).toBe(true);
    expect(Buffer.from(binding.cookieValue, 'base64url')).toHaveLength(32);
  });

  test('each binding is new', () => {
    expect(createBinding().cookieValue).not.toBe(createBinding().cookieValue);
  });

  test('a tampered proof parameter is recognised before any ticket is issued', async () => {
    expect(isBindingProof('short')).toBe(false);
    expect(isBindingProof(undefined)).toBe(false);
    await expect(issueTicket(memory, { uid: 'i1', proof: 'not a proof', result, ttlSeconds: 60 })).rejects.toThrow(RangeError);
  });
});

describe.each(backends)('tickets (%s)', (_name, make) => {
  test('the browser that holds the binding cookie redeems the ticket for its interaction and gets the result', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-1', proof: binding.proof, result, ttlSeconds: 60 });
    expect(Buffer.from(ticket, 'base64url').length).toBeGreaterThanOrEqual(16);
    await expect(redeemTicket<LoginResult>(kv, { ticket, uid: 'interaction-1', bindingCookie: binding.cookieValue })).resolves.toEqual(result);
  });

  test('a replayed ticket is refused', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-2', proof: binding.proof, result, ttlSeconds: 60 });
    await redeemTicket(kv, { ticket, uid: 'interaction-2', bindingCookie: binding.cookieValue });
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-2', bindingCookie: binding.cookieValue }))).toBe('unknown_or_used');
  });

  test('of two concurrent redemptions only one succeeds', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-3', proof: binding.proof, result, ttlSeconds: 60 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => redeemTicket(kv, { ticket, uid: 'interaction-3', bindingCookie: binding.cookieValue })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  test('a ticket used from another browser (another binding cookie, or none) is refused and burnt', async () => {
    const kv = make();
    const victim = createBinding();
    const attacker = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-4', proof: victim.proof, result, ttlSeconds: 60 });
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-4', bindingCookie: attacker.cookieValue }))).toBe('wrong_browser');
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-4', bindingCookie: victim.cookieValue }))).toBe('unknown_or_used');

    const second = await issueTicket(kv, { uid: 'interaction-4', proof: victim.proof, result, ttlSeconds: 60 });
    expect(await refusalOf(redeemTicket(kv, { ticket: second, uid: 'interaction-4', bindingCookie: undefined }))).toBe('wrong_browser');
  });

  test('the proof itself, sent back in place of the cookie, is refused', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-5', proof: binding.proof, result, ttlSeconds: 60 });
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-5', bindingCookie: binding.proof }))).toBe('wrong_browser');
  });

  test('a ticket for another interaction is refused', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-6', proof: binding.proof, result, ttlSeconds: 60 });
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-7', bindingCookie: binding.cookieValue }))).toBe('wrong_interaction');
  });

  test('a ticket after its lifetime is refused as expired', async () => {
    const kv = make();
    const binding = createBinding();
    const ticket = await issueTicket(kv, { uid: 'interaction-8', proof: binding.proof, result, ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await refusalOf(redeemTicket(kv, { ticket, uid: 'interaction-8', bindingCookie: binding.cookieValue }))).toBe('expired');
  });

  test('an invented or mangled ticket is unknown', async () => {
    const kv = make();
    const binding = createBinding();
    expect(await refusalOf(redeemTicket(kv, { ticket: createBinding().cookieValue, uid: 'i', bindingCookie: binding.cookieValue }))).toBe('unknown_or_used');
    expect(await refusalOf(redeemTicket(kv, { ticket: '../../etc', uid: 'i', bindingCookie: binding.cookieValue }))).toBe('unknown_or_used');
  });
});

test.each(backends)('the store holds neither the ticket nor the binding cookie (%s)', async (name, make) => {
  const kv = make();
  const binding = createBinding();
  const ticket = await issueTicket(kv, { uid: 'interaction-9', proof: binding.proof, result, ttlSeconds: 60 });
  if (name === 'Redis') {
    const redis = stores.redis()!;
    const keys = await redis.keys('*');
    const values = await Promise.all(keys.map((k) => redis.get(k.slice(prefix.length))));
    expect(keys.filter((k) => k.includes('eid:ticket:'))).not.toHaveLength(0);
    expect(keys.join(' ')).not.toContain(ticket);
    expect(values.join(' ')).not.toContain(ticket);
    expect(values.join(' ')).not.toContain(binding.cookieValue);
  } else {
    expect(await kv.get(`eid:ticket:${ticket}`)).toBeUndefined();
  }
});
