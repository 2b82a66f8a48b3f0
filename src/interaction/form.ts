// Bodies of the interaction forms (application/x-www-form-urlencoded), read with a size limit:
// oidc-provider reads its own bodies, so nothing in the app parses bodies globally.
import type { Context } from 'koa';
import { readBody } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';

export async function readForm(ctx: Context, limitBytes = 16 * 1024): Promise<URLSearchParams> {
  if (!ctx.request.length && !ctx.get('transfer-encoding')) return new URLSearchParams();
  if (!ctx.is('application/x-www-form-urlencoded')) throw new HttpError(415, 'invalid_request', 'the form must be application/x-www-form-urlencoded');
  return new URLSearchParams((await readBody(ctx, limitBytes, 'the form')).toString('utf8'));
}

/** A field given exactly once; undefined when absent, null when repeated (a tampered form). */
export function single(form: URLSearchParams, name: string): string | undefined | null {
  const values = form.getAll(name);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0]! : null;
}
