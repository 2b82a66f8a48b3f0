import { describeConfig, loadConfig } from '../../config/load.ts';
import { storageMode } from '../../server/runtime.ts';
import { UsageError } from '../usage.ts';

export async function configCheck(args: string[]): Promise<number> {
  if (args[0] !== 'check') throw new UsageError('usage: capacity-idp config check [--json]');
  const loaded = loadConfig();
  const rows = describeConfig(loaded);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ valid: true, storageMode: storageMode(loaded.config), file: loaded.file ?? null, settings: rows }, null, 2));
    return 0;
  }
  console.log(`configuration is valid${loaded.file ? ` (file: ${loaded.file})` : ''}; storage mode: ${storageMode(loaded.config)}\n`);
  const width = Math.max(...rows.map((r) => r.setting.length));
  const envWidth = Math.max(...rows.map((r) => r.env.length));
  for (const r of rows) console.log(`${r.setting.padEnd(width)}  ${r.env.padEnd(envWidth)}  ${r.value}  (${r.source})`);
  return 0;
}
