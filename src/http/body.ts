// Request bodies of our own JSON endpoints, read with a size limit: oidc-provider reads its own
// bodies, so nothing in the app parses bodies globally.
import type { Context } from 'koa';
import { HttpError } from './errors.ts';

export async function readJson(ctx: Context, limitBytes = 64 * 1024): Promise<unknown> {
  if (!ctx.is('application/json')) throw new HttpError(415, 'invalid_request', 'the body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new HttpError(413, 'invalid_request', `the body is larger than ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not valid JSON');
  }
}
