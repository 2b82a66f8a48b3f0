import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../observability/logger.ts';
import { openRuntime } from '../../server/runtime.ts';
import { ensureSigningKeys, listSigningKeys, longestSignedTokenLifetimeSeconds, rotateSigningKeys } from '../../keys/signing-keys.ts';
import { UsageError } from '../usage.ts';

export async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...flags] = args;
  if (sub !== 'rotate' && sub !== 'list') throw new UsageError('usage: capacity-idp keys rotate [--force] | keys list');
  const unknown = flags.filter((f) => f !== '--force');
  if (unknown.length || (sub === 'list' && flags.length)) throw new UsageError(`unknown option ${[...unknown, ...flags][0]}`);
  const { config } = loadConfig();
  const runtime = await openRuntime(config, createLogger({ level: 'warn', pretty: config.log.pretty }));
  try {
    const { db, secrets } = runtime;
    if (sub === 'list') {
      for (const k of await listSigningKeys(db)) {
        console.log(`${k.kid}  ${k.alg}  ${k.state.padEnd(9)}  activates ${k.activateAt.toISOString()}  retires ${k.retireAt?.toISOString() ?? '-'}`);
      }
      return 0;
    }
    await ensureSigningKeys(db, secrets);
    const result = await rotateSigningKeys(db, secrets, {
      activationDelaySeconds: config.keys.activationDelaySeconds,
      longestTokenLifetimeSeconds: longestSignedTokenLifetimeSeconds(config.ttl),
      force: flags.includes('--force'),
    });
    for (const k of result.published) console.log(`published ${k.alg} key ${k.kid}; it signs from ${k.activateAt.toISOString()}`);
    for (const k of result.retiring) console.log(`key ${k.kid} (${k.alg}) stays published until ${k.retireAt.toISOString()}`);
    if (result.pruned.length) console.log(`deleted long-retired keys: ${result.pruned.join(', ')}`);
    console.log('running instances pick the change up by themselves; no restart needed');
    return 0;
  } finally {
    await runtime.close();
  }
}
