// Which peers may speak for a client: a TLS-terminating proxy forwards the certificate it saw,
// and only the operator's own proxies may do so. Addresses are compared after normalisation,
// because a dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d.
import { BlockList, isIP } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address in the form operators write it: IPv4-mapped IPv6 as IPv4, no zone index; undefined when not an IP. */
export function normaliseAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const unzoned = address.replace(/%.*$/, '');
  const mapped = MAPPED_IPV4.exec(unzoned);
  const candidate = mapped ? mapped[1]! : unzoned;
  return isIP(candidate) ? candidate.toLowerCase() : undefined;
}

export interface AddressSet {
  /** True when the address lies in one of the entries; false for anything that is not an IP. */
  has(address: string | undefined): boolean;
  readonly entries: readonly string[];
}

/** Entries are IP addresses or CIDR ranges, IPv4 or IPv6 (the config schema's `ipOrCidr`). */
export function createAddressSet(entries: readonly string[]): AddressSet {
  const list = new BlockList();
  for (const entry of entries) {
    const [rawAddress = '', bits, ...rest] = entry.trim().split('/');
    const address = normaliseAddress(rawAddress);
    const version = address ? isIP(address) : 0;
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = version === 4 ? 32 : 128;
    if (!address || rest.length || (prefix !== undefined && (!/^\d+$/.test(bits!) || prefix > max))) {
      throw new RangeError(`not an IP address or CIDR range: ${entry}`);
    }
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return {
    entries: [...entries],
    has(address) {
      const normalised = normaliseAddress(address);
      if (!normalised) return false;
      return list.check(normalised, isIP(normalised) === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
