// The user-facing steps of a login, one page per prompt of the interaction policy: the eID login
// (or, without one configured, a page saying plainly that no login method is available), the
// entity/capacity and role choice, and consent. Leaving any of them sends the person back to the
// application with `access_denied` (OIDC Core 3.1.2.6) rather than leaving it waiting. Every
// form is POST only and carries the interaction's form token.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { sendErrorPage } from '../http/html.ts';
import { t } from '../i18n/messages.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { SELECT_MANDATE, type SelectionService } from '../oidc/selection.ts';
import type { Queryable } from '../store/database.ts';
import { createConsentStep } from './consent-step.ts';
import { readForm, single } from './form.ts';
import { localeFor, loadInteraction } from './load.ts';
import { isSelectionRefusal, renderEidLogin, renderNoLoginMethod, renderSelectionRefused, renderSessionNotFound } from './pages.ts';
import { createSelectionStep } from './selection-step.ts';
import { audit, clientIdOf, csrfFor, finishStep, formTokenProblem, type StepDeps } from './steps.ts';

export interface InteractionRouteOptions {
  eidEnabled: boolean;
  selection: SelectionService;
  /** Where refusals and choices are audited (the directory database). */
  audit: Queryable;
}

function abortDescription(interaction: Interaction, eidEnabled: boolean): string {
  switch (interaction.prompt.name) {
    case 'login':
      return eidEnabled ? 'the person cancelled the login' : 'no login method is available';
    case SELECT_MANDATE:
      return 'the person did not choose an entity and capacity this application accepts';
    default:
      return 'the person cancelled';
  }
}

export function interactionRoutes(host: ProviderHost, options: InteractionRouteOptions): Router {
  const deps: StepDeps = { host, selection: options.selection, audit: options.audit };
  const selectionStep = createSelectionStep(deps);
  const consentStep = createConsentStep(deps);
  const router = new Router({ prefix: INTERACTION_PATH });

  router.get('/:uid', async (ctx) => {
    const interaction = await loadInteraction(host, ctx);
    const locale = localeFor(ctx, interaction);
    if (!interaction) return renderSessionNotFound(ctx, locale);
    switch (interaction.prompt.name) {
      case SELECT_MANDATE:
        return selectionStep.show(ctx, interaction, locale);
      case 'consent':
        return consentStep.show(ctx, interaction, locale);
      default: {
        const csrf = csrfFor(host, interaction.uid);
        if (options.eidEnabled && interaction.prompt.name === 'login') return renderEidLogin(ctx, locale, interaction.uid, csrf);
        return renderNoLoginMethod(ctx, locale, interaction.uid, csrf);
      }
    }
  });

  // The forms are POST only; a GET of their address (a link, a prefetch) changes nothing.
  router.get(['/:uid/select', '/:uid/consent', '/:uid/abort'], (ctx) => {
    const locale = localeFor(ctx, undefined);
    ctx.set('allow', 'POST');
    sendErrorPage(ctx, { locale, status: 405, title: t(locale, 'error.title'), text: t(locale, 'error.generic'), code: 'method_not_allowed' });
  });

  router.get('/:uid/role', (ctx) => selectionStep.showRole(ctx));
  router.post('/:uid/select', (ctx) => selectionStep.submit(ctx));
  router.post('/:uid/consent', (ctx) => consentStep.submit(ctx));

  // The refusal page again, in another language (the switcher of a refusal answering a POST).
  router.get('/:uid/refused', async (ctx: Context) => {
    const reason = isSelectionRefusal(ctx.query.reason) ? ctx.query.reason : 'malformed_form';
    renderSelectionRefused(ctx, { locale: localeFor(ctx, undefined), uid: String(ctx.params.uid), reason, status: 200 });
  });

  router.post('/:uid/abort', async (ctx) => {
    const uid = String(ctx.params.uid);
    const form = await readForm(ctx);
    const interaction = await loadInteraction(host, ctx);
    const locale = localeFor(ctx, interaction);
    const problem = formTokenProblem(host, uid, single(form, 'csrf'));
    const reason = problem ?? (interaction ? undefined : 'interaction_not_found');
    if (reason) {
      await audit(deps, ctx, {
        type: 'selection.refused',
        outcome: 'failure',
        personId: interaction?.session?.accountId ?? null,
        clientId: interaction ? clientIdOf(interaction) : null,
        details: { interaction: uid, reason, step: interaction?.prompt.name ?? null, form: 'abort' },
      });
      return renderSelectionRefused(ctx, { locale, uid, reason, status: 403 });
    }
    const current = interaction!;
    await finishStep(deps, ctx, { error: 'access_denied', error_description: abortDescription(current, options.eidEnabled) }, false);
  });

  return router;
}
