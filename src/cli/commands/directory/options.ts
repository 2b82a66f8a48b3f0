import type { Labels } from '../../../directory/common.ts';
import { maskNationalNumber, parseEnterpriseNumber, parseNationalNumber } from '../../../directory/identifiers.ts';
import { UsageError } from '../../usage.ts';
import { maskNumberLike } from './errors.ts';

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_LABEL = 200;

export type Options = Map<string, string | true>;

export function usage(message: string): UsageError {
  return new UsageError(maskNumberLike(`directory: ${message} (see: capacity-idp directory --help)`));
}

/** `--name value`, `--name=value`, and the bare switch `--json`; each option at most once. */
export function parseOptions(args: string[], allowed: readonly string[]): Options {
  const options: Options = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw usage(`unexpected argument "${arg.length > 40 ? `${arg.slice(0, 40)}…` : arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'json') {
      if (eq !== -1) throw usage('--json takes no value');
      options.set('json', true);
      continue;
    }
    if (!allowed.includes(name)) throw usage(`unknown option --${name}`);
    if (options.has(name)) throw usage(`--${name} is given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw usage(`--${name} needs a value`);
      i++;
    }
    if (value.trim() === '') throw usage(`--${name} needs a value`);
    options.set(name, value);
  }
  return options;
}

function text(options: Options, name: string): string | undefined {
  const value = options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function required(options: Options, name: string): string {
  const value = text(options, name);
  if (value === undefined) throw usage(`--${name} is required`);
  return value;
}

export function codeOption(options: Options, name: string): string {
  const value = required(options, name);
  if (!CODE.test(value)) throw usage(`--${name} must be an upper-case code (A-Z, 0-9, _; starting with a letter), got "${value.slice(0, 70)}"`);
  return value;
}

export function dayOption(options: Options, name: string): string | undefined {
  const value = text(options, name);
  if (value === undefined) return undefined;
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!valid) throw usage(`--${name} must be a date as YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return value;
}

export function nationalNumberOption(options: Options): string {
  const raw = required(options, 'nrn');
  const parsed = parseNationalNumber(raw);
  if (!parsed) throw usage(`--nrn is not a valid national register or BIS number (${maskNationalNumber(raw)})`);
  return parsed.number;
}

export function enterpriseNumberOption(options: Options): string {
  const raw = required(options, 'entity');
  const parsed = parseEnterpriseNumber(raw);
  if (!parsed) throw usage(`--entity is not a valid enterprise number: "${raw.slice(0, 40)}"`);
  return parsed;
}

export type PersonReference = { id: string } | { nrn: string };

/** Exactly one of --person and --nrn. */
export function personReference(options: Options): PersonReference {
  const id = text(options, 'person');
  const hasNrn = options.has('nrn');
  if (id !== undefined && hasNrn) throw usage('give either --person or --nrn, not both');
  if (id !== undefined) return { id };
  if (hasNrn) return { nrn: nationalNumberOption(options) };
  throw usage('--person <id> or --nrn <number> is required');
}

export function labelOption(options: Options, locale: keyof Labels): string {
  const value = required(options, `label-${locale}`).trim();
  if (value.length > MAX_LABEL) throw usage(`--label-${locale} is longer than ${MAX_LABEL} characters`);
  return value;
}
