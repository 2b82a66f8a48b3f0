// capacity-idp directory ...: what an access manager does until the admin API exists. Find a
// person, define and assign an application's profiles, list and revoke mandates, assign and
// revoke roles. Every change is audited with actor `cli`. Revoking a mandate or a role ends the
// provider sessions that depend on it (see src/directory/revocation.ts), so this command reaches
// the artifact store the serving instances share.
//
// A national register number may be typed on the command line but is never printed back: output,
// errors and audit name people by their opaque id and show numbers masked.
import { loadConfig } from '../../../config/load.ts';
import { createLogger } from '../../../observability/logger.ts';
import { openRuntime } from '../../../server/runtime.ts';
import { UsageError } from '../../usage.ts';
import type { Action } from './context.ts';
import { maskNumberLike } from './errors.ts';
import { mandatesList, mandatesRevoke } from './mandates.ts';
import { parseOptions, type Options } from './options.ts';
import { personsFind } from './persons.ts';
import { profilesAssignment, profilesCreate, profilesList } from './profiles.ts';
import { rolesAssign, rolesRevoke } from './roles.ts';

// Kept in errors.ts so the lookups and actions that throw it need not import this module back.
export { DirectoryCommandError } from './errors.ts';

export const DIRECTORY_USAGE = `usage: capacity-idp directory <subject> <action> [options]

  persons find --nrn <number>
  profiles list --client <id> [--person <id> | --nrn <number>] [--entity <enterprise number>]
  profiles create --client <id> --code <CODE> --label-nl <text> --label-fr <text> --label-de <text> --label-en <text>
  profiles assign|unassign (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --profile <CODE>
  mandates list (--person <id> | --nrn <number>)
  mandates revoke --mandate <id>
  roles assign (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --role <CODE>
               [--from YYYY-MM-DD] [--until YYYY-MM-DD]
  roles revoke (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --role <CODE>

Add --json for machine-readable output. Revoking a mandate or a role ends the sessions that
depend on it and sends back-channel logout; profile changes show at the next token refresh.`;

const PERSON = ['person', 'nrn'];
const COMMANDS: Record<string, { options: readonly string[]; prepare: (options: Options) => Action }> = {
  'persons find': { options: ['nrn'], prepare: personsFind },
  'profiles list': { options: ['client', 'entity', ...PERSON], prepare: profilesList },
  'profiles create': { options: ['client', 'code', 'label-nl', 'label-fr', 'label-de', 'label-en'], prepare: profilesCreate },
  'profiles assign': { options: [...PERSON, 'entity', 'client', 'profile'], prepare: (o) => profilesAssignment(o, true) },
  'profiles unassign': { options: [...PERSON, 'entity', 'client', 'profile'], prepare: (o) => profilesAssignment(o, false) },
  'mandates list': { options: PERSON, prepare: mandatesList },
  'mandates revoke': { options: ['mandate'], prepare: mandatesRevoke },
  'roles assign': { options: [...PERSON, 'entity', 'client', 'role', 'from', 'until'], prepare: rolesAssign },
  'roles revoke': { options: [...PERSON, 'entity', 'client', 'role'], prepare: rolesRevoke },
};

export async function directoryCommand(args: string[]): Promise<number> {
  const [subject, action, ...rest] = args;
  if (subject === '--help' || subject === 'help') {
    console.log(DIRECTORY_USAGE);
    return 0;
  }
  if (subject === undefined) throw new UsageError(`directory: a command is required\n\n${DIRECTORY_USAGE}`);
  const command = COMMANDS[`${subject} ${action ?? ''}`];
  if (!command) throw new UsageError(`${maskNumberLike(`directory: unknown command "${[subject, action].filter(Boolean).join(' ').slice(0, 60)}"`)}\n\n${DIRECTORY_USAGE}`);
  // Arguments are checked before anything is opened: a typo costs no database connection.
  const options = parseOptions(rest, command.options);
  const run = command.prepare(options);

  const { config } = loadConfig();
  const runtime = await openRuntime(config, createLogger({ level: 'warn', pretty: config.log.pretty }));
  const json = options.get('json') === true;
  try {
    return await run({
      runtime,
      print(human, machine) {
        console.log(json ? JSON.stringify(machine) : human);
      },
    });
  } finally {
    await runtime.close();
  }
}
