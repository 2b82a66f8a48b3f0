// Writes a test PKI to a folder in the layout the demo, the OCSP responder (`openssl ocsp`) and
// the documentation expect. Private keys are written 0600.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IssuedCertificate } from './certificates.ts';
import { createPkcs12 } from './pkcs12.ts';
import type { CaKind } from './profile.ts';
import type { TestPki } from './test-pki.ts';

export interface WriteOptions {
  /** Password of the PKCS#12 files; default "test". */
  password?: string;
}

export interface WrittenPki {
  dir: string;
  /** PEM of the root: the trust anchor (eid.trustAnchors). */
  trustAnchor: string;
  /** PEM files of the Citizen and Foreigner CA (eid.intermediates). */
  intermediates: string[];
  /** Every file written, relative to dir, in writing order. */
  files: string[];
}

export const DEFAULT_PKCS12_PASSWORD = 'test';

function writer(dir: string, files: string[]) {
  return (relative: string, content: string | Buffer, secret = false): string => {
    const path = join(dir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    // writeFileSync keeps the mode of an existing file: make sure an old key file is 0600 too.
    if (secret) chmodSync(path, 0o600);
    if (!files.includes(relative)) files.push(relative);
    return path;
  };
}

function writeCertificate(write: ReturnType<typeof writer>, base: string, cert: IssuedCertificate): void {
  write(`${base}.pem`, cert.pem);
  write(`${base}.der`, cert.der);
  write(`${base}.key`, cert.key.pem, true);
}

/** index.txt and CRL of one CA: the parts that change when a certificate is revoked. */
export function rewriteCaFiles(pki: TestPki, kind: CaKind, dir: string, files: string[] = []): void {
  const write = writer(dir, files);
  const ca = pki.cas[kind];
  write(`${kind}/index.txt`, pki.indexTxt(kind));
  // `openssl ca` and `openssl ocsp` look for the attribute file next to the database.
  write(`${kind}/index.txt.attr`, 'unique_subject = no\n');
  write(`${kind}/crl.pem`, ca.crl.pem);
  write(`${kind}/${kind}.crl`, ca.crl.der);
}

export async function writeTestPki(pki: TestPki, dir: string, options: WriteOptions = {}): Promise<WrittenPki> {
  const files: string[] = [];
  const write = writer(dir, files);
  const password = options.password ?? DEFAULT_PKCS12_PASSWORD;

  writeCertificate(write, 'root/ca', pki.root);
  for (const kind of ['citizen', 'foreigner'] as const) {
    const ca = pki.cas[kind];
    writeCertificate(write, `${kind}/ca`, ca.certificate);
    writeCertificate(write, `${kind}/ocsp`, ca.ocspResponder);
    write(`${kind}/chain.pem`, ca.certificate.pem + pki.root.pem);
    // Served at the caIssuers URL of the leaves.
    write(`${kind}/${kind}.crt`, ca.certificate.der);
    rewriteCaFiles(pki, kind, dir, files);
  }
  for (const card of pki.cards) {
    const base = `cards/${card.id}`;
    writeCertificate(write, `${base}/authentication`, card.authentication);
    writeCertificate(write, `${base}/signature`, card.signature);
    const p12 = await createPkcs12({
      leaf: card.authentication,
      chain: pki.chainFor(card.ca),
      password,
      friendlyName: `${card.person.givenName} ${card.person.familyName} TEST eID (Authentication)`,
    });
    write(`${base}/authentication.p12`, p12, true);
  }
  write(
    'manifest.json',
    JSON.stringify(
      {
        warning: 'TEST PKI: not a Belgian eID; never trust this root in production',
        trustAnchors: ['root/ca.pem'],
        intermediates: ['citizen/ca.pem', 'foreigner/ca.pem'],
        pkcs12Password: password,
        cas: Object.fromEntries(Object.values(pki.cas).map((c) => [c.kind, { ocspUrl: c.ocspUrl, crlUrl: c.crlUrl, caIssuersUrl: c.caIssuersUrl }])),
        cards: pki.cards.map((c) => ({
          id: c.id,
          name: `${c.person.givenName} ${c.person.familyName}`,
          ca: c.ca,
          keyType: c.keyType,
          authenticationSerial: c.authentication.serialNumber,
          signatureSerial: c.signature.serialNumber,
          pkcs12: `cards/${c.id}/authentication.p12`,
        })),
      },
      null,
      2,
    ) + '\n',
  );
  pki.writtenTo.add(dir);
  return { dir, trustAnchor: join(dir, 'root/ca.pem'), intermediates: [join(dir, 'citizen/ca.pem'), join(dir, 'foreigner/ca.pem')], files };
}
