// HTTP for OCSP and CRLs: one deadline for the whole exchange (headers and body) and a size cap,
// so a slow or hostile endpoint can neither hold a login nor fill memory.
import { RevocationSourceError } from './errors.ts';

export type FetchFunction = typeof globalThis.fetch;

export async function fetchBytes(
  fetchImpl: FetchFunction,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Uint8Array },
  limits: { timeoutMs: number; maxBytes: number },
): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetchImpl(url, { method: init.method, headers: init.headers, body: init.body, signal, redirect: 'follow' });
  } catch (err) {
    throw new RevocationSourceError('unreachable', `${url}: ${describe(err, limits.timeoutMs)}`, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new RevocationSourceError('unreachable', `${url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new RevocationSourceError('invalid', `${url}: ${declared} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) {
          await response.body.cancel().catch(() => undefined);
          throw new RevocationSourceError('invalid', `${url}: body exceeds the limit of ${limits.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    }
  } catch (err) {
    if (err instanceof RevocationSourceError) throw err;
    throw new RevocationSourceError('unreachable', `${url}: ${describe(err, limits.timeoutMs)}`, { cause: err });
  }
  return Buffer.concat(chunks);
}

function describe(err: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's DOMException and undici's errors may come from another realm than Error.
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}
