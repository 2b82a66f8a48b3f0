// The one place where errors thrown in our own routes become responses: OAuth-style JSON for
// API callers, a readable page in the user's language for browsers, never a stack trace.
import type { Context, Next } from 'koa';
import { StorageUnavailableError } from '../store/errors.ts';
import { t } from '../i18n/messages.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pageLocale, sendErrorPage } from './html.ts';

/** An error our routes throw on purpose, with what the user may see. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export function errorMiddleware(logger: Logger, metrics: Metrics) {
  return async function mapErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      let status = 500;
      let code = 'server_error';
      let description = 'an unexpected error occurred';
      if (err instanceof StorageUnavailableError) {
        status = 503;
        code = 'temporarily_unavailable';
        description = err.error_description ?? err.message;
        metrics.storageErrors.inc({ backend: err.backend });
        logger.warn({ path: ctx.path, backend: err.backend, cause: (err.cause as Error | undefined)?.message }, 'storage unavailable');
        ctx.set('retry-after', '5');
      } else if (err instanceof HttpError) {
        status = err.status;
        code = err.code;
        description = err.message;
      } else {
        const e = err as Error;
        logger.error({ path: ctx.path, method: ctx.method, err: { name: e?.name, message: e?.message, stack: e?.stack } }, 'unexpected error');
      }
      ctx.status = status;
      if (ctx.accepts('json', 'html') === 'html') {
        const locale = pageLocale(ctx);
        const unavailable = status === 503;
        const title = t(locale, unavailable ? 'unavailable.title' : 'error.title');
        const text = unavailable ? t(locale, 'unavailable.body') : status < 500 ? description : t(locale, 'error.generic');
        sendErrorPage(ctx, { locale, title, text, code, status });
      } else {
        ctx.set('cache-control', 'no-store');
        ctx.body = { error: code, error_description: description };
      }
    }
  };
}
