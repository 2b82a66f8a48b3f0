// The embedded demo's TEST eID hierarchy: generated on first start under the data folder (or in
// memory), trusted by this instance only, with a PKCS#12 file per demo card for a browser.
// Its revocation lists are served by the instance itself at /eid-demo/crl/<ca>.crl, and the
// revocation checker reads them in process, so a demo login is checked like a real one without
// any responder running. Never enabled with a real directory database unless asked.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTestPki, writeTestPki, type TestPki } from './pki/index.ts';

export const DEMO_PATH = '/eid-demo';
const CRL_PATH = /\/eid-demo\/crl\/(citizen|foreigner)\.crl$/;

export interface DemoPki {
  anchors: Buffer[];
  intermediates: Buffer[];
  /** The current CRL of a demo CA, DER; undefined for an unknown name. */
  crl(ca: string): Buffer | undefined;
  /** Folder with the written hierarchy and the cards' PKCS#12 files; undefined in memory. */
  dir?: string;
  cards: { id: string; name: string; pkcs12?: string }[];
  pkcs12Password: string;
}

interface Manifest {
  pkcs12Password: string;
  cards: { id: string; name: string; pkcs12: string }[];
}

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

function fromMemory(pki: TestPki): DemoPki {
  return {
    anchors: [pki.root.der],
    intermediates: [pki.cas.citizen.certificate.der, pki.cas.foreigner.certificate.der],
    crl: (ca) => (ca === 'citizen' || ca === 'foreigner' ? pki.cas[ca].crl.der : undefined),
    cards: pki.cards.map((c) => ({ id: c.id, name: `${c.person.givenName} ${c.person.familyName}` })),
    pkcs12Password: 'test',
  };
}

function fromFolder(dir: string): DemoPki {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  return {
    dir,
    anchors: [pemToDer(readFileSync(join(dir, 'root/ca.pem'), 'utf8'))],
    intermediates: ['citizen', 'foreigner'].map((ca) => pemToDer(readFileSync(join(dir, `${ca}/ca.pem`), 'utf8'))),
    // Read on demand: an operator may revoke a demo card with the PKI tools in the meantime.
    crl: (ca) => (ca === 'citizen' || ca === 'foreigner' ? readFileSync(join(dir, `${ca}/${ca}.crl`)) : undefined),
    cards: manifest.cards.map((c) => ({ id: c.id, name: c.name, pkcs12: join(dir, c.pkcs12) })),
    pkcs12Password: manifest.pkcs12Password,
  };
}

/**
 * The demo hierarchy for an instance whose public URL is `issuer`: reused from `dataDir` when
 * it was generated before, else generated (with RSA cards besides the EC ones).
 */
export async function ensureDemoPki(issuer: string, dataDir: string | undefined): Promise<DemoPki> {
  const options = {
    rsaCards: true,
    ocspUrl: `${issuer}${DEMO_PATH}/ocsp/{ca}`,
    crlBaseUrl: `${issuer}${DEMO_PATH}/crl`,
  };
  if (!dataDir) return fromMemory(await generateTestPki(options));
  const dir = join(dataDir, 'eid-demo');
  if (!existsSync(join(dir, 'manifest.json'))) await writeTestPki(await generateTestPki(options), dir);
  return fromFolder(dir);
}

/**
 * A fetch for the revocation checker that answers the demo CRL URLs from the hierarchy itself
 * (whatever host and port the certificates name: the instance may have moved) and passes every
 * other URL to the network. The demo has no OCSP responder: those URLs get a 404, after which
 * the checker falls back to the CRL as it would with a failing real responder.
 */
export function demoAwareFetch(demo: DemoPki, network: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    const crl = CRL_PATH.exec(url.pathname);
    if (crl) {
      const der = demo.crl(crl[1]!);
      return der ? new Response(new Uint8Array(der), { headers: { 'content-type': 'application/pkix-crl' } }) : new Response(null, { status: 404 });
    }
    if (url.pathname.startsWith(`${DEMO_PATH}/ocsp/`)) return new Response(null, { status: 404 });
    return network(input, init);
  };
}
