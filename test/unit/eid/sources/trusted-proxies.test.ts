// Trusted proxies are named by address or CIDR range, IPv4 or IPv6, and a peer matches however
// the socket reports it.
import { createAddressSet, normaliseAddress } from '../../../../src/eid/net.ts';

test('an IPv4-mapped IPv6 address is written as IPv4; zone indexes are dropped; non-addresses give undefined', () => {
  expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
  expect(normaliseAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  expect(normaliseAddress('fe80::1%eth0')).toBe('fe80::1');
  expect(normaliseAddress('2001:DB8::1')).toBe('2001:db8::1');
  expect(normaliseAddress('localhost')).toBeUndefined();
  expect(normaliseAddress(undefined)).toBeUndefined();
});

test('single addresses and ranges of both families match, and nothing else does', () => {
  const set = createAddressSet(['10.0.0.5', '192.168.0.0/16', '2001:db8::/32', '::1']);
  expect(set.has('10.0.0.5')).toBe(true);
  expect(set.has('10.0.0.6')).toBe(false);
  expect(set.has('192.168.255.1')).toBe(true);
  expect(set.has('192.169.0.1')).toBe(false);
  expect(set.has('2001:db8:ffff::7')).toBe(true);
  expect(set.has('2001:db9::7')).toBe(false);
  expect(set.has('::1')).toBe(true);
  expect(set.has('::ffff:192.168.1.1')).toBe(true);
  expect(set.has(undefined)).toBe(false);
  expect(set.has('not-an-ip')).toBe(false);
});

test('an empty list trusts nobody', () => {
  expect(createAddressSet([]).has('127.0.0.1')).toBe(false);
});

test('a mistyped entry is refused rather than silently trusting nothing or everything', () => {
  expect(() => createAddressSet(['10.0.0.0/33'])).toThrow(RangeError);
  expect(() => createAddressSet(['10.0.0.300'])).toThrow(RangeError);
  expect(() => createAddressSet(['10.0.0.0/8/1'])).toThrow(RangeError);
  expect(() => createAddressSet(['10.0.0.0/x'])).toThrow(RangeError);
});
