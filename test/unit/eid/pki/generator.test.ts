import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate } from '../../../../src/eid/certificate.ts';
import { OCSP_NOCHECK_OID, writeTestPki, x509, type TestPki, type WrittenPki } from '../../../../src/eid/pki/index.ts';
import { openssl, sharedTestPki, freshTestPki } from '../../../support/pki.ts';

let pki: TestPki;
let dir: string;
let written: WrittenPki;

beforeAll(async () => {
  pki = await sharedTestPki();
  dir = mkdtempSync(join(tmpdir(), 'cidp-pki-'));
  written = await writeTestPki(pki, dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the generated TEST hierarchy', () => {
  it('has a TEST root and TEST Citizen and Foreigner CAs with pathLen 0 and serialNumber YYYYNN', () => {
    const root = parseCertificate(pki.root.der);
    expect(root.subject.text).toContain('CN=Belgium TEST Root CA');
    expect(root.selfIssued).toBe(true);
    expect(root.publicKey).toMatchObject({ type: 'ec', curve: 'P-384' });
    const year = new Date().getUTCFullYear();
    for (const [kind, cn, nn] of [['citizen', 'Citizen TEST CA', '01'], ['foreigner', 'Foreigner TEST CA', '02']] as const) {
      const ca = parseCertificate(pki.cas[kind].certificate.der);
      expect(ca.subject.attributes.find((a) => a.type === 'CN')?.value).toBe(cn);
      expect(ca.subject.attributes.find((a) => a.type === 'serialNumber')?.value).toBe(`${year}${nn}`);
      expect(ca.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
      expect(ca.keyUsage).toEqual({ usages: ['keyCertSign', 'cRLSign'], critical: true });
      expect(ca.issuer.der.equals(root.subject.der)).toBe(true);
    }
  });

  it('gives every CA a delegated OCSP responder with OCSPSigning and id-pkix-ocsp-nocheck', () => {
    for (const ca of Object.values(pki.cas)) {
      const responder = parseCertificate(ca.ocspResponder.der);
      expect(responder.extendedKeyUsage).toEqual([x509.ExtendedKeyUsage.ocspSigning]);
      expect(responder.basicConstraints?.ca).toBe(false);
      expect(ca.ocspResponder.certificate.extensions.map((e) => e.type)).toContain(OCSP_NOCHECK_OID);
      expect(new X509Certificate(ca.ocspResponder.der).checkIssued(new X509Certificate(ca.certificate.der))).toBe(true);
      expect(new X509Certificate(ca.ocspResponder.der).verify(new X509Certificate(ca.certificate.der).publicKey)).toBe(true);
    }
  });

  it('issues the demo persons an EC P-384 card, BIS numbers under the Foreigner CA, and RSA 2048 cards when asked', () => {
    expect(pki.cards.map((c) => c.id).sort()).toEqual(['elise-ec', 'elise-rsa', 'lukasz-ec', 'lukasz-rsa', 'noemie-ec', 'noemie-rsa']);
    expect(pki.card('lukasz').ca).toBe('foreigner');
    expect(pki.card('elise').ca).toBe('citizen');
    expect(parseCertificate(pki.card('elise').authentication.der).publicKey).toMatchObject({ type: 'ec', curve: 'P-384' });
    expect(parseCertificate(pki.card('elise', 'rsa-2048').authentication.der).publicKey).toMatchObject({ type: 'rsa', bits: 2048 });
  });
});

describe('an Authentication certificate of the test PKI', () => {
  it('has the eID profile: critical keyUsage digitalSignature, EKU clientAuth, the citizen policy, AIA OCSP and CRL distribution point', () => {
    const cert = parseCertificate(pki.card('elise').authentication.der);
    expect(cert.keyUsage).toEqual({ usages: ['digitalSignature'], critical: true });
    expect(cert.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.policies).toEqual(['2.16.56.12.1.1.2.2']);
    expect(cert.ocspUrls).toEqual(['http://127.0.0.1:2560/citizen']);
    expect(cert.caIssuersUrls).toEqual(['http://127.0.0.1:2561/crl/citizen.crt']);
    expect(cert.crlUrls).toEqual(['http://127.0.0.1:2561/crl/citizen.crl']);
    expect(cert.basicConstraints).toBeUndefined();
  });

  it('has the subject layout C, CN "First Last (Authentication)", SN, GN, serialNumber, accents in UTF8String', () => {
    const cert = parseCertificate(pki.card('elise').authentication.der);
    expect(cert.subject.attributes.map((a) => [a.type, a.value])).toEqual([
      ['C', 'BE'],
      ['CN', 'Élise Dubois-Janssens (Authentication)'],
      ['SN', 'Dubois-Janssens'],
      ['GN', 'Élise'],
      ['serialNumber', '85031204642'],
    ]);
    // UTF8String tag 0x0c followed by the length and "Élise" in UTF-8.
    expect(cert.subject.der.includes(Buffer.concat([Buffer.from([0x0c, 6]), Buffer.from('Élise', 'utf8')]))).toBe(true);
  });

  it('carries the foreigner policy when issued by the Foreigner CA', () => {
    expect(parseCertificate(pki.card('lukasz').authentication.der).policies).toEqual(['2.16.56.12.1.1.7.2']);
  });
});

describe('a Signature certificate of the test PKI', () => {
  it('has keyUsage nonRepudiation only, CN "(Signature)" and the signature policy', () => {
    const cert = parseCertificate(pki.card('noemie').signature.der);
    expect(cert.keyUsage).toEqual({ usages: ['nonRepudiation'], critical: true });
    expect(cert.subject.attributes.find((a) => a.type === 'CN')?.value).toBe('Noémie Van den Broeck (Signature)');
    expect(cert.policies).toEqual(['2.16.56.12.1.1.2.1']);
    expect(cert.extendedKeyUsage).toBeUndefined();
  });
});

describe('the written files', () => {
  it('are accepted by openssl verify with the root as CA file and the issuing CA as untrusted', () => {
    for (const [card, ca] of [['elise-ec', 'citizen'], ['elise-rsa', 'citizen'], ['noemie-ec', 'citizen'], ['lukasz-ec', 'foreigner'], ['lukasz-rsa', 'foreigner']]) {
      const result = openssl(['verify', '-CAfile', written.trustAnchor, '-untrusted', join(dir, ca!, 'ca.pem'), join(dir, 'cards', card!, 'authentication.pem')]);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toMatch(/: OK$/);
    }
  });

  it('write private keys and PKCS#12 files readable by the owner only', () => {
    for (const file of written.files.filter((f) => f.endsWith('.key') || f.endsWith('.p12'))) {
      expect([file, statSync(join(dir, file)).mode & 0o777]).toEqual([file, 0o600]);
    }
    expect(statSync(join(dir, 'root/ca.pem')).mode & 0o077).toBe(0o044);
  });

  it('include PKCS#12 files (password "test") that OpenSSL reads and Node TLS accepts', () => {
    for (const id of ['elise-ec', 'elise-rsa', 'lukasz-ec']) {
      const file = join(dir, 'cards', id, 'authentication.p12');
      const info = openssl(['pkcs12', '-info', '-in', file, '-passin', 'pass:test', '-nokeys']);
      expect(info.status).toBe(0);
      expect(info.stderr).toContain('MAC: sha256');
      expect(info.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
      expect(() => createSecureContext({ pfx: readFileSync(file), passphrase: 'test' })).not.toThrow();
    }
    expect(openssl(['pkcs12', '-info', '-in', join(dir, 'cards/elise-ec/authentication.p12'), '-passin', 'pass:wrong', '-nokeys']).status).not.toBe(0);
  });

  it('include an index.txt per CA in OpenSSL format with one V line per issued certificate', () => {
    const lines = readFileSync(join(dir, 'citizen/index.txt'), 'utf8').trimEnd().split('\n');
    // responder + (auth + signature) x (EC + RSA) x two citizens
    expect(lines.length).toBeGreaterThanOrEqual(9);
    for (const line of lines) expect(line).toMatch(/^V\t\d{12}Z\t\t[0-9A-F]+\tunknown\t\/C=BE\//);
    const elise = pki.card('elise').authentication;
    expect(lines).toContain(
      `V\t${elise.certificate.notAfter.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z\t\t${elise.serialNumber}\tunknown\t/C=BE/CN=\\xC3\\x89lise Dubois-Janssens (Authentication)/SN=Dubois-Janssens/GN=\\xC3\\x89lise/serialNumber=85031204642`,
    );
  });
});

describe('revoke()', () => {
  it('marks the certificate R in index.txt, reissues the CRL, and an OpenSSL OCSP responder then answers revoked', async () => {
    const local = await freshTestPki({ persons: [{ key: 'elise', nationalNumber: '85031204642', givenName: 'Élise', familyName: 'Dubois-Janssens' }] });
    const out = mkdtempSync(join(tmpdir(), 'cidp-pki-revoke-'));
    try {
      await writeTestPki(local, out);
      const card = local.card('elise');
      const crlBefore = local.cas.citizen.crl.number;
      await local.revoke(card.authentication.serialNumber);

      const index = readFileSync(join(out, 'citizen/index.txt'), 'utf8');
      expect(index).toMatch(new RegExp(`^R\\t\\d{12}Z\\t\\d{12}Z\\t${card.authentication.serialNumber}\\t`, 'm'));
      expect(index).toMatch(new RegExp(`^V\\t\\d{12}Z\\t\\t${card.signature.serialNumber}\\t`, 'm'));

      expect(local.cas.citizen.crl.number).toBe(crlBefore + 1);
      const crl = new x509.X509Crl(readFileSync(join(out, 'citizen/citizen.crl')));
      expect(crl.entries.map((e) => e.serialNumber.toUpperCase())).toEqual([card.authentication.serialNumber]);
      expect(await crl.verify({ publicKey: local.cas.citizen.certificate.certificate.publicKey })).toBe(true);
      expect(openssl(['crl', '-in', join(out, 'citizen/crl.pem'), '-CAfile', join(out, 'citizen/chain.pem'), '-noout']).stderr).toContain('verify OK');

      // openssl ocsp answers from index.txt without a network port: request file in, response file out.
      const ca = join(out, 'citizen');
      const leaf = join(out, 'cards/elise-ec/authentication.pem');
      const request = join(out, 'req.der');
      const response = join(out, 'resp.der');
      expect(openssl(['ocsp', '-issuer', join(ca, 'ca.pem'), '-cert', leaf, '-reqout', request, '-no_nonce']).status).toBe(0);
      const answer = openssl(['ocsp', '-index', join(ca, 'index.txt'), '-CA', join(ca, 'ca.pem'), '-rsigner', join(ca, 'ocsp.pem'), '-rkey', join(ca, 'ocsp.key'), '-reqin', request, '-respout', response]);
      expect(answer.status).toBe(0);
      const status = openssl(['ocsp', '-respin', response, '-issuer', join(ca, 'ca.pem'), '-CAfile', join(out, 'root/ca.pem'), '-cert', leaf]);
      expect(status.stderr).toContain('Response verify OK');
      expect(status.stdout).toContain(': revoked');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a serial no test CA issued', async () => {
    await expect(pki.revoke('0123')).rejects.toThrow(/not issued by a test CA/);
  });
});

describe('options', () => {
  it('make an RSA 4096 root and put the given OCSP and CRL URLs in the certificates', async () => {
    const rsa = await freshTestPki({
      rootKeyType: 'rsa-4096',
      persons: [{ key: 'noemie', nationalNumber: '02110512468', givenName: 'Noémie', familyName: 'Van den Broeck', keyType: 'rsa-2048' }],
      ocspUrl: 'http://127.0.0.1:9999/ocsp/{ca}',
      crlBaseUrl: 'http://127.0.0.1:9998/repo/',
    });
    expect(parseCertificate(rsa.root.der).publicKey).toEqual({ type: 'rsa', bits: 4096 });
    const cert = parseCertificate(rsa.card('noemie-rsa').authentication.der);
    expect(cert.ocspUrls).toEqual(['http://127.0.0.1:9999/ocsp/citizen']);
    expect(cert.crlUrls).toEqual(['http://127.0.0.1:9998/repo/citizen.crl']);
    const out = mkdtempSync(join(tmpdir(), 'cidp-pki-rsa-'));
    try {
      writeFileSync(join(out, 'root.pem'), rsa.root.pem);
      writeFileSync(join(out, 'ca.pem'), rsa.cas.citizen.certificate.pem);
      writeFileSync(join(out, 'leaf.pem'), rsa.card('noemie-rsa').authentication.pem);
      expect(openssl(['verify', '-CAfile', join(out, 'root.pem'), '-untrusted', join(out, 'ca.pem'), join(out, 'leaf.pem')]).stdout).toContain(': OK');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
