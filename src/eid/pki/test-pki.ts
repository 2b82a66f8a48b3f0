// An eID-like TEST hierarchy in memory: a root, a Citizen CA and a Foreigner CA (each with a
// delegated OCSP responder, a CRL and an OpenSSL index.txt), and per person an Authentication
// and a Signature certificate. Used by tests and by the embedded demo; every name says TEST.
import { DEMO_PERSONS } from '../../directory/seed.ts';
import { parseNationalNumber } from '../../directory/identifiers.ts';
import { x509, generateKey, type KeyMaterial, type KeyType } from './crypto.ts';
import { caExtensions, issueCertificate, issueCrl, ocspResponderExtensions, type IssuedCertificate, type IssuedCrl } from './certificates.ts';
import { opensslOneLine, personSubject, type NameSpec, type PersonName } from './names.ts';
import { CLIENT_AUTH_OID, EID_POLICIES, KEY_USAGE, type CaKind, type CertificateUsage } from './profile.ts';
import { rewriteCaFiles } from './write.ts';

const DAY = 24 * 3600 * 1000;
const ORGANISATION = 'TEST eID PKI - not a real Belgian eID';

export interface TestPersonSpec extends Required<Pick<PersonName, 'givenName' | 'familyName'>> {
  /** Short name used in file names, e.g. `elise`. */
  key: string;
  nationalNumber: string;
  /** Card key type: ec-p384 (current cards, default) or rsa-2048 (older cards). */
  keyType?: 'ec-p384' | 'rsa-2048';
}

export interface TestPkiOptions {
  /** Root key: EC P-384 (default, fast) or RSA 4096 like Belgium Root CA4. */
  rootKeyType?: 'ec-p384' | 'rsa-4096';
  /** Citizen and Foreigner CA keys; default ec-p384. */
  caKeyType?: KeyType;
  /** Card holders; default the DEMO_PERSONS of the demo directory, each with an EC P-384 card. */
  persons?: readonly TestPersonSpec[];
  /** Also give every person an RSA 2048 card (as older eIDs have). */
  rsaCards?: boolean;
  /** OCSP URL in the certificates' AIA; `{ca}` becomes `citizen` or `foreigner`. */
  ocspUrl?: string;
  /** Base URL of `<ca>.crl` (CRL distribution point) and `<ca>.crt` (AIA caIssuers). */
  crlBaseUrl?: string;
  /** Reference time for validity periods (default now). */
  now?: Date;
  /** How long a CRL is valid (nextUpdate), default 7 days. */
  crlValidityDays?: number;
}

export const DEFAULT_OCSP_URL = 'http://127.0.0.1:2560/{ca}';
export const DEFAULT_CRL_BASE_URL = 'http://127.0.0.1:2561/crl';

export interface CaDatabaseEntry {
  serialNumber: string;
  notAfter: Date;
  subject: NameSpec;
  revokedAt?: Date;
}

export interface TestCa {
  kind: CaKind;
  certificate: IssuedCertificate;
  /** Delegated responder: EKU OCSPSigning and id-pkix-ocsp-nocheck, issued by this CA. */
  ocspResponder: IssuedCertificate;
  crl: IssuedCrl;
  /** Everything this CA issued, as OpenSSL's `openssl ca` would record it. */
  database: CaDatabaseEntry[];
  ocspUrl: string;
  crlUrl: string;
  caIssuersUrl: string;
}

export interface TestCard {
  /** `<person key>-ec` or `<person key>-rsa`. */
  id: string;
  person: TestPersonSpec;
  ca: CaKind;
  keyType: 'ec-p384' | 'rsa-2048';
  authentication: IssuedCertificate;
  signature: IssuedCertificate;
}

export interface LeafSpec {
  /** Holder; the subject is built in the eID layout from it unless `subject` is given. */
  person?: PersonName;
  /** Default authentication: sets CN suffix, key usage, EKU and policy defaults. */
  usage?: CertificateUsage;
  subject?: NameSpec;
  key?: KeyMaterial;
  keyType?: KeyType;
  /** x509.KeyUsageFlags bits; null leaves the extension out. */
  keyUsage?: number | null;
  keyUsageCritical?: boolean;
  /** EKU OIDs; null leaves the extension out. Default: clientAuth for authentication, none for signature. */
  extendedKeyUsage?: string[] | null;
  /** Policy OIDs; null leaves the extension out. Default: the eID policy of the CA and usage. */
  policies?: string[] | null;
  /** Adds basicConstraints (critical) with these values; by default eID leaves have none. */
  basicConstraints?: { ca: boolean; pathLength?: number };
  notBefore?: Date;
  notAfter?: Date;
  /** null leaves the URL out. */
  ocspUrl?: string | null;
  crlUrl?: string | null;
  extensions?: x509.Extension[];
  serialNumber?: string;
}

function caName(kind: CaKind | 'root', year: number): NameSpec {
  if (kind === 'root') return [['C', 'BE'], ['O', ORGANISATION], ['CN', 'Belgium TEST Root CA']];
  const cn = kind === 'citizen' ? 'Citizen TEST CA' : 'Foreigner TEST CA';
  return [['C', 'BE'], ['O', ORGANISATION], ['CN', cn], ['serialNumber', `${year}${kind === 'citizen' ? '01' : '02'}`]];
}

export function defaultTestPersons(): TestPersonSpec[] {
  return DEMO_PERSONS.map((p) => ({ key: p.key, nationalNumber: p.nationalNumber, givenName: p.givenName, familyName: p.familyName }));
}

/** The CA that issues a number's cards: BIS numbers get the Foreigner CA. */
export function caKindFor(nationalNumber: string): CaKind {
  return parseNationalNumber(nationalNumber)?.kind === 'bis' ? 'foreigner' : 'citizen';
}

export class TestPki {
  readonly root: IssuedCertificate;
  readonly cas: Readonly<Record<CaKind, TestCa>>;
  readonly cards: TestCard[] = [];
  readonly now: Date;
  readonly crlValidityDays: number;
  /** Folders written by writeTestPki; revoke() keeps their index.txt and CRLs current. */
  readonly writtenTo = new Set<string>();

  constructor(root: IssuedCertificate, cas: Record<CaKind, TestCa>, now: Date, crlValidityDays: number) {
    this.root = root;
    this.cas = cas;
    this.now = now;
    this.crlValidityDays = crlValidityDays;
  }

  /** The card of a person (by person key, or card id such as `elise-rsa`). */
  card(id: string, keyType: 'ec-p384' | 'rsa-2048' = 'ec-p384'): TestCard {
    const found = this.cards.find((c) => c.id === id) ?? this.cards.find((c) => c.person.key === id && c.keyType === keyType);
    if (!found) throw new Error(`no test card "${id}" (${keyType})`);
    return found;
  }

  /** Issuing CA first, then the root: what a client sends after its own certificate. */
  chainFor(ca: CaKind): Buffer[] {
    return [this.cas[ca].certificate.der, this.root.der];
  }

  /** Issues a leaf under a test CA and records it in that CA's database (so OCSP answers for it). */
  async issue(ca: CaKind, spec: LeafSpec): Promise<IssuedCertificate> {
    const issuer = this.cas[ca];
    const usage = spec.usage ?? 'authentication';
    const subject = spec.subject ?? (spec.person ? personSubject(spec.person, usage === 'authentication' ? 'Authentication' : 'Signature') : undefined);
    if (!subject) throw new Error('issue() needs a person or a subject');
    const extensions: x509.Extension[] = [];
    if (spec.basicConstraints) extensions.push(new x509.BasicConstraintsExtension(spec.basicConstraints.ca, spec.basicConstraints.pathLength, true));
    const keyUsage = spec.keyUsage === undefined ? KEY_USAGE[usage] : spec.keyUsage;
    if (keyUsage !== null) extensions.push(new x509.KeyUsagesExtension(keyUsage, spec.keyUsageCritical ?? true));
    const eku = spec.extendedKeyUsage === undefined ? (usage === 'authentication' ? [CLIENT_AUTH_OID] : null) : spec.extendedKeyUsage;
    if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
    const policies = spec.policies === undefined ? [EID_POLICIES[ca][usage]] : spec.policies;
    if (policies) extensions.push(new x509.CertificatePolicyExtension(policies));
    const ocspUrl = spec.ocspUrl === undefined ? issuer.ocspUrl : spec.ocspUrl;
    extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: issuer.caIssuersUrl, ...(ocspUrl ? { ocsp: ocspUrl } : {}) }));
    const crlUrl = spec.crlUrl === undefined ? issuer.crlUrl : spec.crlUrl;
    if (crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([crlUrl]));
    extensions.push(...(spec.extensions ?? []));
    const issued = await issueCertificate({
      subject,
      signer: { certificate: issuer.certificate },
      key: spec.key,
      keyType: spec.keyType,
      serialNumber: spec.serialNumber,
      notBefore: spec.notBefore ?? new Date(this.now.getTime() - DAY),
      notAfter: spec.notAfter ?? new Date(this.now.getTime() + 10 * 365 * DAY),
      extensions,
    });
    issuer.database.push({ serialNumber: issued.serialNumber, notAfter: issued.certificate.notAfter, subject });
    return issued;
  }

  /** Marks a certificate revoked in its CA's database, reissues that CA's CRL and rewrites written files. */
  async revoke(serialNumber: string, revokedAt: Date = new Date()): Promise<TestCa> {
    const serial = serialNumber.toUpperCase().replace(/^(00)+(?=.)/, '');
    const ca = Object.values(this.cas).find((c) => c.database.some((e) => e.serialNumber === serial));
    if (!ca) throw new Error(`serial ${serial} was not issued by a test CA`);
    const entry = ca.database.find((e) => e.serialNumber === serial)!;
    entry.revokedAt ??= revokedAt;
    await this.reissueCrl(ca.kind);
    for (const dir of this.writtenTo) rewriteCaFiles(this, ca.kind, dir);
    return ca;
  }

  async reissueCrl(kind: CaKind, thisUpdate: Date = new Date()): Promise<IssuedCrl> {
    const ca = this.cas[kind];
    const revoked = ca.database.filter((e) => e.revokedAt).map((e) => ({ serialNumber: e.serialNumber, revokedAt: e.revokedAt! }));
    ca.crl = await issueCrl(ca.certificate, revoked, ca.crl.number + 1, thisUpdate, new Date(thisUpdate.getTime() + this.crlValidityDays * DAY));
    return ca.crl;
  }

  /** OpenSSL CA database (`openssl ocsp -index`): one V or R line per issued certificate. */
  indexTxt(kind: CaKind): string {
    return this.cas[kind].database
      .map((e) => {
        const status = e.revokedAt ? 'R' : 'V';
        const revoked = e.revokedAt ? opensslTime(e.revokedAt) : '';
        return `${status}\t${opensslTime(e.notAfter)}\t${revoked}\t${e.serialNumber}\tunknown\t${opensslOneLine(e.subject)}\n`;
      })
      .join('');
  }
}

/** UTCTime `YYMMDDHHMMSSZ` as OpenSSL writes it; GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function opensslTime(date: Date): string {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return (date.getUTCFullYear() >= 2050 ? iso : iso.slice(2)) + 'Z';
}

function fill(template: string, kind: CaKind): string {
  return template.replaceAll('{ca}', kind);
}

export async function generateTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const now = options.now ?? new Date();
  const year = now.getUTCFullYear();
  const ocspTemplate = options.ocspUrl ?? DEFAULT_OCSP_URL;
  const crlBase = (options.crlBaseUrl ?? DEFAULT_CRL_BASE_URL).replace(/\/+$/, '');
  const crlValidityDays = options.crlValidityDays ?? 7;

  const root = await issueCertificate({
    subject: caName('root', year),
    signer: 'self',
    keyType: options.rootKeyType ?? 'ec-p384',
    notBefore: new Date(now.getTime() - 2 * DAY),
    notAfter: new Date(now.getTime() + 20 * 365 * DAY),
    extensions: caExtensions(1),
  });

  const makeCa = async (kind: CaKind): Promise<TestCa> => {
    const certificate = await issueCertificate({
      subject: caName(kind, year),
      signer: { certificate: root },
      keyType: options.caKeyType ?? 'ec-p384',
      notBefore: new Date(now.getTime() - 2 * DAY),
      notAfter: new Date(now.getTime() + 12 * 365 * DAY),
      extensions: [
        ...caExtensions(0),
        new x509.CertificatePolicyExtension(['2.16.56.12.1']),
        new x509.CRLDistributionPointsExtension([`${crlBase}/root.crl`]),
        new x509.AuthorityInfoAccessExtension({ caIssuers: `${crlBase}/root.crt` }),
      ],
    });
    const ocspResponder = await issueCertificate({
      subject: [['C', 'BE'], ['O', ORGANISATION], ['CN', `${kind === 'citizen' ? 'Citizen' : 'Foreigner'} TEST CA OCSP Responder`]],
      signer: { certificate },
      keyType: 'ec-p384',
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 2 * 365 * DAY),
      extensions: ocspResponderExtensions(),
    });
    const crl = await issueCrl(certificate, [], 1, now, new Date(now.getTime() + crlValidityDays * DAY));
    return {
      kind,
      certificate,
      ocspResponder,
      crl,
      database: [{ serialNumber: ocspResponder.serialNumber, notAfter: ocspResponder.certificate.notAfter, subject: ocspResponder.subject }],
      ocspUrl: fill(ocspTemplate, kind),
      crlUrl: `${crlBase}/${kind}.crl`,
      caIssuersUrl: `${crlBase}/${kind}.crt`,
    };
  };
  const [citizen, foreigner] = await Promise.all([makeCa('citizen'), makeCa('foreigner')]);
  const pki = new TestPki(root, { citizen, foreigner }, now, crlValidityDays);

  const persons = options.persons ?? defaultTestPersons();
  const cards = persons.flatMap((p) => {
    const types: ('ec-p384' | 'rsa-2048')[] = [p.keyType ?? 'ec-p384'];
    if (options.rsaCards && !types.includes('rsa-2048')) types.push('rsa-2048');
    return types.map((keyType) => ({ person: p, keyType }));
  });
  pki.cards.push(
    ...(await Promise.all(
      cards.map(async ({ person, keyType }): Promise<TestCard> => {
        const ca = caKindFor(person.nationalNumber);
        // One key pair per certificate, as on the card (two keys, 0x82 and 0x83).
        const authentication = await pki.issue(ca, { person, usage: 'authentication', keyType });
        const signature = await pki.issue(ca, { person, usage: 'signature', keyType });
        return { id: `${person.key}-${keyType === 'rsa-2048' ? 'rsa' : 'ec'}`, person, ca, keyType, authentication, signature };
      }),
    )),
  );
  return pki;
}
