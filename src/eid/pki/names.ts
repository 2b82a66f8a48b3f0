// Distinguished names in the eID layout. Attributes keep the order given (the eID puts C first),
// non-ASCII values become UTF8String, and every attribute can be left out, so tests can build
// deliberately broken subjects too.
import { x509 } from './crypto.ts';

export const NAME_OIDS = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  GN: '2.5.4.42',
  serialNumber: '2.5.4.5',
} as const;

export type NameAttribute = keyof typeof NAME_OIDS;
/** Ordered list of attribute/value pairs, e.g. `[['C', 'BE'], ['CN', 'Citizen CA']]`. */
export type NameSpec = [NameAttribute, string][];

export function buildName(spec: NameSpec): x509.Name {
  return new x509.Name(spec.map(([attr, value]) => ({ [NAME_OIDS[attr]]: [value] })) as never);
}

/**
 * The one-line form OpenSSL writes into index.txt (`/C=BE/CN=.../serialNumber=...`), bytes
 * outside printable ASCII escaped as \xHH like X509_NAME_oneline does.
 */
export function opensslOneLine(spec: NameSpec): string {
  return spec
    .map(([attr, value]) => {
      const escaped = [...Buffer.from(value, 'utf8')]
        .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`))
        .join('');
      return `/${attr}=${escaped}`;
    })
    .join('');
}

export interface PersonName {
  /** All given names, as on the card (`GN`). */
  givenName: string;
  familyName: string;
  /** Absent to issue a certificate without serialNumber; any string to test bad numbers. */
  nationalNumber?: string;
}

/** `C=BE, CN=First Last (Authentication|Signature), SN=Last, GN=First Middle, serialNumber=NN`. */
export function personSubject(person: PersonName, usage: 'Authentication' | 'Signature'): NameSpec {
  const firstName = person.givenName.split(/\s+/)[0] ?? person.givenName;
  const spec: NameSpec = [
    ['C', 'BE'],
    ['CN', `${firstName} ${person.familyName} (${usage})`],
    ['SN', person.familyName],
    ['GN', person.givenName],
  ];
  if (person.nationalNumber !== undefined) spec.push(['serialNumber', person.nationalNumber]);
  return spec;
}
