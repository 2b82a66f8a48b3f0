#!/usr/bin/env node
// capacity-idp <command>: the one entry point for operators. Configuration problems exit with
// code 2 and a message naming the setting; other failures exit 1 with a one-line reason.
import { ConfigError } from '../config/load.ts';
import { configCheck } from './commands/config-check.ts';
import { directoryCommand } from './commands/directory/index.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { pkiCommand } from './commands/pki.ts';
import { seedCommand } from './commands/seed.ts';
import { serveCommand } from './commands/serve.ts';
import { UsageError } from './usage.ts';

const USAGE = `usage: capacity-idp <command>

commands:
  serve          run the provider (default when no command is given)
  migrate        apply pending database migrations
  seed           load the fictional demo directory (idempotent)
  keys rotate    publish new signing keys; they sign after keys.activationDelaySeconds
  keys list      show signing keys and their state
  config check   validate the configuration and print it, secrets redacted
  pki generate   write a TEST eID PKI with demo cards (capacity-idp pki --help for options)
  directory ...  find persons, manage profiles, mandates and roles (capacity-idp directory --help)

Configuration: config/default.yaml, the file named by CAPACITY_IDP_CONFIG, then environment
variables (see README: Configuration).`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  migrate: migrateCommand,
  seed: seedCommand,
  keys: keysCommand,
  config: configCheck,
  pki: pkiCommand,
  directory: directoryCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command "${command}"`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps the process alive itself; other commands end here.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`capacity-idp: configuration error\n${err.message}`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      console.error(`capacity-idp: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const e = err as Error;
    console.error(`capacity-idp: ${e?.message ?? String(err)}`);
    if (process.env.DEBUG) console.error(e?.stack);
    process.exit(1);
  },
);
