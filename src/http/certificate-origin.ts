// The certificate origin: the one place that asks the browser for its eID certificate. In
// direct mode it is a TLS listener of its own (own port or host) that requests a client
// certificate; in proxy mode a TLS-terminating proxy asks and forwards the certificate in a
// header, accepted only from the configured proxy addresses. Either way it validates, then sends
// the browser back to the main origin with a one-time ticket bound to the interaction and the
// browser, or with the refusal reason.
import { constants } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { recordAudit } from '../directory/audit.ts';
import { recordMissingCertificate } from '../eid/authenticate.ts';
import { CertificateRefusedError } from '../eid/refusal.ts';
import { certificateFromTlsSocket } from '../eid/sources/tls.ts';
import { isBindingProof, issueTicket } from '../eid/tickets.ts';
import type { PresentedCertificate } from '../eid/types.ts';
import { negotiateLocale } from '../i18n/locale.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { EidService } from '../server/eid.ts';
import type { Queryable } from '../store/database.ts';
import type { KeyValueStore } from '../store/kv.ts';
import { errorMiddleware, HttpError } from './errors.ts';

export const AUTHENTICATE_PATH = '/eid/authenticate';
const UID = /^[A-Za-z0-9_-]{8,128}$/;

export interface CertificateOriginDeps {
  host: ProviderHost;
  eid: EidService;
  kv: KeyValueStore;
  audit: Queryable;
  logger: Logger;
  metrics: Metrics;
  /** Public URL of the main origin (the issuer), where the browser is sent back. */
  issuer: string;
}

function certificateOf(deps: CertificateOriginDeps, ctx: Context): { presented?: PresentedCertificate; untrusted?: { header: string; peer: string | undefined } } {
  if (deps.eid.settings.certificateOrigin.mode === 'direct') {
    const presented = certificateFromTlsSocket(ctx.req.socket);
    return presented ? { presented } : {};
  }
  const forwarded = deps.eid.readForwarded(ctx.req);
  if ('presented' in forwarded) return { presented: forwarded.presented };
  if ('untrusted' in forwarded) return { untrusted: forwarded.untrusted };
  return {};
}

export function certificateOriginRoutes(deps: CertificateOriginDeps): Router {
  const router = new Router();
  router.get(AUTHENTICATE_PATH, async (ctx) => {
    const uid = ctx.query.interaction;
    const proof = ctx.query.proof;
    if (typeof uid !== 'string' || !UID.test(uid) || !isBindingProof(proof)) {
      throw new HttpError(400, 'invalid_request', 'this address is only reached from the login page; start again from the application');
    }
    const locale = negotiateLocale(typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined, ctx.get('accept-language'));
    const back = (path: string, params: Record<string, string>) => {
      const url = new URL(`${INTERACTION_PATH}/${encodeURIComponent(uid)}/eid/${path}`, deps.issuer);
      url.search = new URLSearchParams({ ...params, ui_locales: locale }).toString();
      ctx.set('cache-control', 'no-store');
      ctx.redirect(url.toString());
    };

    // Validating a card costs signature checks and a revocation lookup: only for a login
    // that is really in progress.
    const interaction = await deps.host.current.Interaction.find(uid);
    if (!interaction) return back('refused', { reason: 'no_certificate' });
    const clientId = String(interaction.params.client_id ?? '');
    const context = { interactionUid: uid, clientId, ip: ctx.ip, locale };

    let found;
    try {
      found = certificateOf(deps, ctx);
    } catch (err) {
      if (!(err instanceof CertificateRefusedError)) throw err;
      deps.metrics.eidLogins.inc({ outcome: err.reason, source: 'proxy-header' });
      await recordAudit(deps.audit, { type: 'login.eid', outcome: 'failure', clientId, ip: ctx.ip, details: { interaction: uid, source: 'proxy-header', reason: err.reason, detail: err.detail } });
      return back('refused', { reason: err.reason });
    }
    if (found.untrusted) {
      // Someone other than the configured proxy sent a certificate header: ignored, and recorded.
      deps.logger.warn({ event: 'eid.untrusted_certificate_header', header: found.untrusted.header, peer: found.untrusted.peer }, 'client certificate header from an untrusted address ignored');
      await recordAudit(deps.audit, { type: 'login.eid.untrusted_header', outcome: 'failure', clientId, ip: ctx.ip, details: { interaction: uid, header: found.untrusted.header, peer: found.untrusted.peer ?? null } });
    }
    if (!found.presented) {
      await recordMissingCertificate({ audit: deps.audit, metrics: deps.metrics, logger: deps.logger }, context, deps.eid.settings.certificateOrigin.mode === 'direct' ? 'tls' : 'proxy-header');
      return back('refused', { reason: 'no_certificate' });
    }
    try {
      const result = await deps.eid.authenticate(found.presented, context);
      const ticket = await issueTicket(deps.kv, { uid, proof, result, ttlSeconds: deps.eid.settings.ticketTtlSeconds });
      return back('callback', { ticket });
    } catch (err) {
      if (!(err instanceof CertificateRefusedError)) throw err;
      return back('refused', { reason: err.reason });
    }
  });
  return router;
}

/** The direct-mode listener: TLS that asks every browser for a certificate and decides itself. */
export async function startCertificateOrigin(
  deps: CertificateOriginDeps,
  tls: { cert: string; key: string },
  listen: { host: string; port: number },
): Promise<{ server: https.Server; port: number }> {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    // A retry must be a new handshake, so the person can pick another certificate.
    ctx.set('connection', 'close');
    ctx.set('strict-transport-security', 'max-age=31536000');
    await next();
  });
  app.use(errorMiddleware(deps.logger, deps.metrics));
  app.use(certificateOriginRoutes(deps).routes());
  const server = https.createServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.2',
      requestCert: true,
      // No session resumption: a resumed session keeps the certificate chosen before, and the
      // chain is lost on resumption.
      secureOptions: constants.SSL_OP_NO_TICKET,
      sessionTimeout: 1,
      // Refusals become pages that explain them, not TLS alerts a browser shows as a bare
      // connection error: the validator decides, not the handshake.
      rejectUnauthorized: false,
      // Sent as certificate_authorities in the CertificateRequest, so the browser's picker
      // offers the eID certificates only.
      ca: [...deps.eid.trust.anchors, ...deps.eid.trust.intermediates].map((c) => c.x509.toString()),
    },
    app.callback(),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
