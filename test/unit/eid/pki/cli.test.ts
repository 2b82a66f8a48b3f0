import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePkiArgs } from '../../../../src/cli/commands/pki.ts';
import { UsageError } from '../../../../src/cli/usage.ts';

const work = mkdtempSync(join(tmpdir(), 'cidp-pki-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('capacity-idp pki generate', () => {
  it('writes the TEST PKI and prints the trust anchor, the responders and the cards', () => {
    const out = join(work, 'pki');
    const run = cli(['pki', 'generate', '--out', out, '--rsa', '--ocsp-url', 'http://127.0.0.1:7001/{ca}', '--crl-base-url', 'http://127.0.0.1:7002/crl']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`trust anchor:   ${join(out, 'root/ca.pem')}`);
    expect(run.stdout).toContain('OCSP http://127.0.0.1:7001/citizen');
    expect(run.stdout).toContain('card lukasz-rsa');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.cards).toHaveLength(6);
    expect(existsSync(join(out, 'cards/elise-ec/authentication.p12'))).toBe(true);
  });

  it('refuses a folder that is not empty unless --force is given', () => {
    const out = join(work, 'twice');
    expect(cli(['pki', 'generate', '--out', out]).status).toBe(0);
    const again = cli(['pki', 'generate', '--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(cli(['pki', 'generate', '--out', out, '--force']).status).toBe(0);
  });

  it('exits 2 with the usage on wrong arguments', () => {
    const run = cli(['pki', 'generate', '--ocsp-url', 'ftp://example']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--ocsp-url must be an http(s) URL');
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('parsePkiArgs', () => {
  it('reads every option, also in --name=value form', () => {
    expect(parsePkiArgs(['generate', '--out=x', '--rsa', '--rsa-root', '--ocsp-url', 'https://o/{ca}', '--crl-base-url=http://c', '--password', 'pw', '--force'])).toEqual({
      out: 'x',
      rsa: true,
      rsaRoot: true,
      ocspUrl: 'https://o/{ca}',
      crlBaseUrl: 'http://c',
      password: 'pw',
      force: true,
    });
  });

  it.each([
    [[], /usage: capacity-idp pki generate/],
    [['make'], /unknown pki command "make"/],
    [['generate'], /--out DIR is required/],
    [['generate', '--out'], /--out needs a value/],
    [['generate', '--out', '--rsa'], /--out needs a value/],
    [['generate', '--out', 'x', '--crl-base-url', 'not a url'], /--crl-base-url must be an absolute http\(s\) URL/],
    [['generate', '--out', 'x', '--force=yes'], /--force takes no value/],
    [['generate', '--out', 'x', '--colour'], /unknown option --colour/],
  ])('refuses %j with a UsageError', (args, message) => {
    expect(() => parsePkiArgs(args as string[])).toThrow(UsageError);
    expect(() => parsePkiArgs(args as string[])).toThrow(message);
  });
});
