// The command line as operators meet it: configuration mistakes exit 2 with a message naming the
// setting (never a stack trace), `config check` shows the effective settings without secrets,
// and unknown words print the usage.
import { runCli } from '../../support/ops.ts';

const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('capacity-idp command line', () => {
  test('serve with PORT=abc exits 2 naming the setting, its variable and an example, without a stack trace', async () => {
    const result = await runCli(['serve'], { PORT: 'abc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('capacity-idp: configuration error');
    expect(result.stderr).toMatch(/invalid setting server\.port \(env PORT\): .*; for example: 8443/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
  });

  test('config check prints every setting with its variable and source, passwords and the master key redacted', async () => {
    const result = await runCli(['config', 'check'], {
      DATABASE_URL: 'postgres://idp:s3cret-pw@db.internal:5432/idp',
      REDIS_URL: 'redis://:r3dis-pw@redis:6379/0',
      MASTER_KEY,
      LOG_LEVEL: 'warn',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^configuration is valid; storage mode: postgres\+redis/);
    expect(result.stdout).toMatch(/storage\.databaseUrl\s+DATABASE_URL\s+postgres:\/\/idp:\*\*\*\*\*@db\.internal:5432\/idp\s+\(env\)/);
    expect(result.stdout).toMatch(/storage\.redisUrl\s+REDIS_URL\s+redis:\/\/:\*\*\*\*\*@redis:6379\/0\s+\(env\)/);
    expect(result.stdout).toMatch(/secrets\.masterKey\s+MASTER_KEY\s+\*\*\*\*\*\s+\(env\)/);
    expect(result.stdout).toMatch(/log\.level\s+LOG_LEVEL\s+warn\s+\(env\)/);
    expect(result.stdout).toMatch(/server\.port\s+PORT\s+8443\s+\(default\)/);
    expect(result.stdout).not.toMatch(/s3cret-pw|r3dis-pw/);
    expect(result.stdout).not.toContain(MASTER_KEY);
  });

  test('config check --json gives the same, machine-readable', async () => {
    const result = await runCli(['config', 'check', '--json'], { DATABASE_URL: 'postgres://idp:s3cret-pw@db:5432/idp', MASTER_KEY });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { valid: boolean; storageMode: string; file: string | null; settings: { setting: string; env: string; value: string; source: string }[] };
    expect(report).toMatchObject({ valid: true, storageMode: 'postgres', file: null });
    expect(report.settings).toContainEqual({ setting: 'storage.databaseUrl', env: 'DATABASE_URL', value: 'postgres://idp:*****@db:5432/idp', source: 'env' });
    expect(report.settings).toContainEqual({ setting: 'secrets.masterKey', env: 'MASTER_KEY', value: '*****', source: 'env' });
    expect(result.stdout).not.toMatch(/s3cret-pw/);
    expect(result.stdout).not.toContain(MASTER_KEY);
  });

  test('config check with a bad value exits 2 with the problem', async () => {
    const result = await runCli(['config', 'check'], { DATABASE_URL: 'postgres://idp@db:5432/idp' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid setting secrets\.masterKey \(env MASTER_KEY\): is required when storage\.databaseUrl is set/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  test('an unknown command exits 2 with the usage', async () => {
    const result = await runCli(['frobnicate'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('capacity-idp: unknown command "frobnicate"');
    expect(result.stderr).toContain('usage: capacity-idp <command>');
    expect(result.stderr).toContain('config check');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  test('"config" without "check" exits 2 with its usage; help exits 0', async () => {
    const partial = await runCli(['config'], {});
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('usage: capacity-idp config check [--json]');
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: capacity-idp <command>');
  });
});
