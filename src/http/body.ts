// Request bodies of our own endpoints, read with a size limit: oidc-provider reads its own
// bodies, so nothing in the app parses bodies globally.
import type { Context } from 'koa';
import { HttpError } from './errors.ts';

/** The raw body, refused with 413 once it grows past `limitBytes` (what the body is called in messages: `what`). */
export async function readBody(ctx: Context, limitBytes: number, what = 'the body'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new HttpError(413, 'invalid_request', `${what} is larger than ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(ctx: Context, limitBytes = 64 * 1024): Promise<unknown> {
  if (!ctx.is('application/json')) throw new HttpError(415, 'invalid_request', 'the body must be application/json');
  const body = await readBody(ctx, limitBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not valid JSON');
  }
}
