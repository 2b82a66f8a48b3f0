import type { Runtime } from '../../../server/runtime.ts';

/** Who the audit trail names for every change made from the command line. */
export const ACTOR = 'cli';

export interface Context {
  runtime: Runtime;
  print(human: string, machine: unknown): void;
}

/** What a command does once its arguments are known to be well-formed. */
export type Action = (ctx: Context) => Promise<number>;
