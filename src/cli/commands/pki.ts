// capacity-idp pki generate: writes a TEST eID hierarchy (root, Citizen and Foreigner CA, OCSP
// responders, CRLs, demo cards as PKCS#12) for development, demos and manual browser tests.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CRL_BASE_URL, DEFAULT_OCSP_URL, DEFAULT_PKCS12_PASSWORD, generateTestPki, writeTestPki } from '../../eid/pki/index.ts';
import { UsageError } from '../usage.ts';

export const PKI_USAGE = `usage: capacity-idp pki generate --out DIR [--rsa] [--rsa-root] [--ocsp-url URL] [--crl-base-url URL] [--password PW] [--force]

  --out DIR            folder to write to (created if missing)
  --rsa                also give every demo person an RSA 2048 card (older eIDs)
  --rsa-root           RSA 4096 root instead of EC P-384 (slower)
  --ocsp-url URL       OCSP URL in the certificates; {ca} becomes citizen or foreigner (default ${DEFAULT_OCSP_URL})
  --crl-base-url URL   base of <ca>.crl and <ca>.crt (default ${DEFAULT_CRL_BASE_URL})
  --password PW        PKCS#12 password (default "${DEFAULT_PKCS12_PASSWORD}")
  --force              write into a folder that is not empty`;

interface PkiArgs {
  out: string;
  rsa: boolean;
  rsaRoot: boolean;
  ocspUrl?: string;
  crlBaseUrl?: string;
  password?: string;
  force: boolean;
}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.replaceAll('{ca}', 'ca'));
  } catch {
    throw new UsageError(`${flag} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`);
  return value;
}

export function parsePkiArgs(args: string[]): PkiArgs {
  const [sub, ...rest] = args;
  if (sub !== 'generate') throw new UsageError(sub ? `unknown pki command "${sub}"\n\n${PKI_USAGE}` : PKI_USAGE);
  const parsed: Partial<PkiArgs> & { rsa: boolean; rsaRoot: boolean; force: boolean } = { rsa: false, rsaRoot: false, force: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--out':
        parsed.out = value();
        break;
      case '--ocsp-url':
        parsed.ocspUrl = httpUrl(name, value());
        break;
      case '--crl-base-url':
        parsed.crlBaseUrl = httpUrl(name, value());
        break;
      case '--password':
        parsed.password = value();
        break;
      case '--rsa':
      case '--rsa-root':
      case '--force':
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        if (name === '--rsa') parsed.rsa = true;
        else if (name === '--rsa-root') parsed.rsaRoot = true;
        else parsed.force = true;
        break;
      default:
        throw new UsageError(`unknown option ${name}\n\n${PKI_USAGE}`);
    }
  }
  if (!parsed.out) throw new UsageError(`--out DIR is required\n\n${PKI_USAGE}`);
  return parsed as PkiArgs;
}

export async function pkiCommand(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    console.log(PKI_USAGE);
    return 0;
  }
  const options = parsePkiArgs(args);
  const dir = resolve(options.out);
  if (!options.force && existsSync(dir) && readdirSync(dir).length > 0) {
    console.error(`capacity-idp: ${dir} is not empty; pass --force to overwrite the test PKI there`);
    return 1;
  }
  const started = Date.now();
  const pki = await generateTestPki({
    rsaCards: options.rsa,
    rootKeyType: options.rsaRoot ? 'rsa-4096' : 'ec-p384',
    ...(options.ocspUrl ? { ocspUrl: options.ocspUrl } : {}),
    ...(options.crlBaseUrl ? { crlBaseUrl: options.crlBaseUrl } : {}),
  });
  const written = await writeTestPki(pki, dir, options.password ? { password: options.password } : {});
  console.log(`TEST eID PKI written to ${dir} in ${Date.now() - started} ms (never trust it in production)`);
  console.log(`  trust anchor:   ${written.trustAnchor}`);
  console.log(`  intermediates:  ${written.intermediates.join(', ')}`);
  for (const ca of Object.values(pki.cas)) {
    console.log(`  ${ca.kind.padEnd(9)} CA:   OCSP ${ca.ocspUrl}, CRL ${ca.crlUrl}`);
    console.log(`    responder:    openssl ocsp -index ${dir}/${ca.kind}/index.txt -CA ${dir}/${ca.kind}/ca.pem -rsigner ${dir}/${ca.kind}/ocsp.pem -rkey ${dir}/${ca.kind}/ocsp.key -port <port> -nmin 10 -ignore_err`);
  }
  for (const card of pki.cards) {
    console.log(`  card ${card.id.padEnd(12)} ${card.person.givenName} ${card.person.familyName} (${card.keyType}, ${card.ca} CA): ${dir}/cards/${card.id}/authentication.p12`);
  }
  console.log(`  PKCS#12 password: ${options.password ? '(as given)' : DEFAULT_PKCS12_PASSWORD}`);
  console.log(`  files: ${written.files.length}, listed in ${dir}/manifest.json`);
  return 0;
}
