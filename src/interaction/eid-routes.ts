// The eID steps on the main origin. The main origin never asks for a certificate: it binds the
// browser (an HttpOnly cookie whose hash travels as the proof), sends it to the certificate
// origin, and takes back a one-time ticket that only this browser, for this interaction, can
// redeem. A card agent can instead sign a nonce; its answer is checked here directly.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { recordAudit } from '../directory/audit.ts';
import { issueChallenge, verifyChallengeResponse, CHALLENGE_ALGORITHMS, type ChallengeAlgorithm } from '../eid/challenge.ts';
import type { EidLoginResult } from '../eid/authenticate.ts';
import { CertificateRefusedError, REFUSAL_REASONS, type RefusalReason } from '../eid/refusal.ts';
import { TicketError, createBinding, redeemTicket } from '../eid/tickets.ts';
import { readJson } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { t, type MessageKey } from '../i18n/messages.ts';
import type { Logger } from '../observability/logger.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { EidService } from '../server/eid.ts';
import type { Queryable } from '../store/database.ts';
import type { KeyValueStore } from '../store/kv.ts';
import { localeFor, loadInteraction } from './load.ts';
import { interactionUrl, renderRefusal, renderSessionNotFound } from './pages.ts';
import { csrfFor } from './steps.ts';

export const BINDING_COOKIE = 'cidp_eid_binding';

export interface EidRouteDeps {
  host: ProviderHost;
  eid: EidService;
  kv: KeyValueStore;
  audit: Queryable;
  logger: Logger;
  /** Public URL of the certificate origin, e.g. https://eid.idp.example.be. */
  certificateOrigin: () => string;
}

const isRefusalReason = (value: unknown): value is RefusalReason => (REFUSAL_REASONS as readonly unknown[]).includes(value);

async function finishLogin(deps: EidRouteDeps, ctx: Context, result: EidLoginResult): Promise<string> {
  return deps.host.current.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: result.accountId, acr: result.acr, amr: result.amr, ts: result.ts, remember: true } },
    { mergeWithLastSubmission: false },
  );
}

function base64Der(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]+=*$/.test(value) || value.length > 24_000) {
    throw new HttpError(400, 'invalid_request', `${what} must be a base64 DER certificate`);
  }
  return Buffer.from(value, 'base64');
}

export function eidRoutes(deps: EidRouteDeps): Router {
  const router = new Router({ prefix: `${INTERACTION_PATH}/:uid/eid` });

  const requireInteraction = async (ctx: Context): Promise<Interaction | undefined> => {
    const interaction = await loadInteraction(deps.host, ctx);
    if (!interaction) renderSessionNotFound(ctx, localeFor(ctx, undefined));
    return interaction;
  };

  // Step 1: bind this browser and go to the certificate origin.
  router.get('/', async (ctx) => {
    const interaction = await requireInteraction(ctx);
    if (!interaction) return;
    const binding = createBinding();
    ctx.cookies.set(BINDING_COOKIE, binding.cookieValue, {
      httpOnly: true,
      secure: ctx.secure,
      sameSite: 'lax',
      path: `${INTERACTION_PATH}/${interaction.uid}`,
      maxAge: deps.eid.settings.ticketTtlSeconds * 1000 * 10,
      overwrite: true,
    });
    const target = new URL('/eid/authenticate', deps.certificateOrigin());
    target.search = new URLSearchParams({ interaction: interaction.uid, proof: binding.proof, ui_locales: localeFor(ctx, interaction) }).toString();
    ctx.set('cache-control', 'no-store');
    ctx.redirect(target.toString());
  });

  // Step 2: back from the certificate origin with a ticket.
  router.get('/callback', async (ctx) => {
    const interaction = await requireInteraction(ctx);
    if (!interaction) return;
    const locale = localeFor(ctx, interaction);
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    let result: EidLoginResult;
    try {
      result = await redeemTicket<EidLoginResult>(deps.kv, { ticket, uid: interaction.uid, bindingCookie: ctx.cookies.get(BINDING_COOKIE) });
    } catch (err) {
      if (!(err instanceof TicketError)) throw err;
      deps.logger.warn({ event: 'eid.ticket_refused', reason: err.reason, interaction: interaction.uid }, 'eID ticket refused');
      await recordAudit(deps.audit, {
        type: 'login.eid.ticket',
        outcome: 'failure',
        clientId: String(interaction.params.client_id ?? '') || null,
        ip: ctx.ip,
        details: { interaction: interaction.uid, reason: err.reason },
      });
      // The ticket is spent: the switcher re-renders the login page, not this callback.
      return renderRefusal(ctx, locale, interaction.uid, 'refused.session', `ticket_${err.reason}`, csrfFor(deps.host, interaction.uid), interactionUrl(interaction.uid));
    }
    ctx.cookies.set(BINDING_COOKIE, null, { path: `${INTERACTION_PATH}/${interaction.uid}` });
    ctx.redirect(await finishLogin(deps, ctx, result));
  });

  // Step 2, refused: the certificate origin says why; the page explains and offers a retry.
  router.get('/refused', async (ctx) => {
    const interaction = await requireInteraction(ctx);
    if (!interaction) return;
    const reason = isRefusalReason(ctx.query.reason) ? ctx.query.reason : 'no_certificate';
    renderRefusal(ctx, localeFor(ctx, interaction), interaction.uid, `refused.${reason}` as MessageKey, reason, csrfFor(deps.host, interaction.uid));
  });

  // Card agent: a nonce to sign, bound to this interaction.
  router.post('/challenge', async (ctx) => {
    const interaction = await loadInteraction(deps.host, ctx);
    if (!interaction) throw new HttpError(400, 'invalid_request', 'no login in progress for this browser');
    const challenge = await issueChallenge(deps.kv, { uid: interaction.uid, ttlSeconds: deps.eid.settings.ticketTtlSeconds });
    ctx.set('cache-control', 'no-store');
    ctx.body = { nonce: challenge.nonce, expires_at: challenge.expiresAt.toISOString(), algorithms: CHALLENGE_ALGORITHMS };
  });

  // Card agent: the signed nonce with the certificate; validated like a TLS login.
  router.post('/challenge/response', async (ctx) => {
    const interaction = await loadInteraction(deps.host, ctx);
    if (!interaction) throw new HttpError(400, 'invalid_request', 'no login in progress for this browser');
    const locale = localeFor(ctx, interaction);
    const body = (await readJson(ctx)) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object') throw new HttpError(400, 'invalid_request', 'the body must be a JSON object');
    const { nonce, signature, algorithm } = body;
    if (typeof nonce !== 'string' || typeof signature !== 'string') throw new HttpError(400, 'invalid_request', 'nonce and signature are required strings');
    if (algorithm !== undefined && !(CHALLENGE_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
      throw new HttpError(400, 'invalid_request', `algorithm must be one of ${CHALLENGE_ALGORITHMS.join(', ')}`);
    }
    const chainInput = body.chain ?? [];
    if (!Array.isArray(chainInput) || chainInput.length > 7) throw new HttpError(400, 'invalid_request', 'chain must be an array of at most 7 certificates');
    const leafDer = base64Der(body.certificate, 'certificate');
    const chain = chainInput.map((c, i) => base64Der(c, `chain[${i}]`));
    const context = { interactionUid: interaction.uid, clientId: String(interaction.params.client_id ?? ''), ip: ctx.ip, locale };
    const refuse = (err: CertificateRefusedError) => {
      ctx.status = 401;
      ctx.set('cache-control', 'no-store');
      ctx.body = { error: 'access_denied', reason: err.reason, message: t(locale, `refused.${err.reason}` as MessageKey) };
    };
    let presented;
    try {
      presented = await verifyChallengeResponse(deps.kv, {
        uid: interaction.uid,
        nonce,
        leafDer,
        chain,
        signature,
        ...(algorithm ? { algorithm: algorithm as ChallengeAlgorithm } : {}),
      });
    } catch (err) {
      if (!(err instanceof CertificateRefusedError)) throw err;
      // Refused before validation: audited here (the authenticator audits its own refusals).
      await recordAudit(deps.audit, { type: 'login.eid', outcome: 'failure', clientId: context.clientId || null, ip: ctx.ip, details: { interaction: interaction.uid, source: 'card-agent', reason: err.reason, detail: err.detail } });
      return refuse(err);
    }
    try {
      const result = await deps.eid.authenticate(presented, context);
      ctx.set('cache-control', 'no-store');
      ctx.body = { redirect_to: await finishLogin(deps, ctx, result) };
    } catch (err) {
      if (!(err instanceof CertificateRefusedError)) throw err;
      refuse(err);
    }
  });

  return router;
}
