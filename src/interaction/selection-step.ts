// The entity/capacity step and the role step. The page offers the person's mandates valid today
// that the application accepts; one mandate with at most one role is taken without asking
// (unless the application asks always, or the relying party requested prompt=select_mandate).
// A submitted choice is checked again against the directory: only what the server would offer
// now is accepted, and anything else is refused with a page and an audit event.
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { formatEnterpriseNumber } from '../directory/identifiers.ts';
import type { Locale } from '../i18n/locale.ts';
import { alwaysAsksMandate } from '../oidc/client-metadata.ts';
import { SELECT_MANDATE, type MandateOption, type SelectionChoice } from '../oidc/selection.ts';
import { readForm, single } from './form.ts';
import { localeFor, loadInteraction } from './load.ts';
import { interactionUrl, renderMandateChoice, renderNoMandate, renderRoleChoice, renderSelectionRefused, renderSessionNotFound, type SelectionRefusal } from './pages.ts';
import { audit, clientIdOf, clientOf, csrfFor, finishStep, formTokenProblem, type StepDeps } from './steps.ts';

const REQUESTED_BY_CLIENT = `${SELECT_MANDATE}_prompt`;

export function createSelectionStep(deps: StepDeps) {
  const personOf = (interaction: Interaction) => interaction.session?.accountId ?? '';

  async function refuse(ctx: Context, uid: string, locale: Locale, reason: SelectionRefusal, context: { interaction?: Interaction; form?: URLSearchParams; status?: number }) {
    const { interaction, form } = context;
    await audit(deps, ctx, {
      type: 'selection.refused',
      outcome: 'failure',
      personId: interaction ? personOf(interaction) || null : null,
      clientId: interaction ? clientIdOf(interaction) : null,
      details: {
        interaction: uid,
        reason,
        step: interaction?.prompt.name ?? null,
        ...(form?.has('mandate') ? { mandate: form.getAll('mandate').join(',').slice(0, 200) } : {}),
        ...(form?.has('role') ? { role: form.getAll('role').join(',').slice(0, 200) } : {}),
      },
    });
    renderSelectionRefused(ctx, { locale, uid, reason, status: context.status ?? 403 });
  }

  async function choose(ctx: Context, interaction: Interaction, choice: SelectionChoice, option: MandateOption, automatic: boolean) {
    await audit(deps, ctx, {
      type: 'selection.made',
      outcome: 'success',
      personId: personOf(interaction),
      clientId: clientIdOf(interaction),
      details: {
        interaction: interaction.uid,
        mandate: choice.mandateId,
        entity: formatEnterpriseNumber(option.mandate.entity.enterpriseNumber),
        capacity: option.mandate.capacity.code,
        role: choice.roleCode,
        automatic,
      },
    });
    await finishStep(deps, ctx, { [SELECT_MANDATE]: choice });
  }

  return {
    /** GET of the interaction while its prompt is select_mandate. */
    async show(ctx: Context, interaction: Interaction, locale: Locale): Promise<void> {
      const personId = personOf(interaction);
      const clientId = clientIdOf(interaction);
      const found = await clientOf(deps.host, interaction);
      if (!found || !(await deps.selection.appliesTo(clientId))) {
        // Only requested prompts reach here for such applications: there is nothing to choose.
        return finishStep(deps, ctx, { [SELECT_MANDATE]: { notApplicable: true } });
      }
      const options = await deps.selection.optionsFor(personId, clientId);
      const csrf = csrfFor(deps.host, interaction.uid);
      if (options.length === 0) {
        await audit(deps, ctx, { type: 'selection.no_mandate', outcome: 'failure', personId, clientId, details: { interaction: interaction.uid } });
        return renderNoMandate(ctx, { locale, uid: interaction.uid, csrf });
      }
      const asked = interaction.prompt.reasons.includes(REQUESTED_BY_CLIENT) || alwaysAsksMandate(found.client as unknown as Record<string, unknown>);
      const only = options.length === 1 ? options[0]! : undefined;
      if (only && !asked) {
        if (only.roles.length <= 1) return choose(ctx, interaction, { mandateId: only.mandate.id, roleCode: only.roles[0]?.code ?? null }, only, true);
        return renderRoleChoice(ctx, { locale, uid: interaction.uid, csrf, clientName: found.name, option: only, otherEntities: false });
      }
      const current = interaction.grantId ? await deps.selection.selections.findByGrant(interaction.grantId) : undefined;
      renderMandateChoice(ctx, { locale, uid: interaction.uid, csrf, clientName: found.name, options, ...(current ? { checked: current.mandateId } : {}) });
    },

    /** GET /interaction/:uid/role?mandate=…: the role step for a chosen mandate. */
    async showRole(ctx: Context): Promise<void> {
      const interaction = await loadInteraction(deps.host, ctx);
      const locale = localeFor(ctx, interaction);
      if (!interaction) return renderSessionNotFound(ctx, locale);
      if (interaction.prompt.name !== SELECT_MANDATE) return ctx.redirect(interactionUrl(interaction.uid));
      const mandateId = typeof ctx.query.mandate === 'string' ? ctx.query.mandate : '';
      const check = await deps.selection.verify(personOf(interaction), clientIdOf(interaction), { mandateId });
      if (check.ok) return ctx.redirect(interactionUrl(interaction.uid));
      if (!check.roleNeeded) return refuse(ctx, interaction.uid, locale, check.reason, { interaction });
      const found = await clientOf(deps.host, interaction);
      const options = await deps.selection.optionsFor(personOf(interaction), clientIdOf(interaction));
      renderRoleChoice(ctx, {
        locale,
        uid: interaction.uid,
        csrf: csrfFor(deps.host, interaction.uid),
        clientName: found?.name ?? clientIdOf(interaction),
        option: check.option,
        otherEntities: options.length > 1,
      });
    },

    /** POST /interaction/:uid/select: mandate (and, on the role page, role) with the form token. */
    async submit(ctx: Context): Promise<void> {
      const uid = String(ctx.params.uid);
      const form = await readForm(ctx);
      const interaction = await loadInteraction(deps.host, ctx);
      const locale = localeFor(ctx, interaction);
      const tokenProblem = formTokenProblem(deps.host, uid, single(form, 'csrf'));
      if (tokenProblem) return refuse(ctx, uid, locale, tokenProblem, { ...(interaction ? { interaction } : {}), form });
      if (!interaction) return refuse(ctx, uid, locale, 'interaction_not_found', { form });
      if (interaction.prompt.name !== SELECT_MANDATE) return refuse(ctx, uid, locale, 'wrong_step', { interaction, form });
      if (interaction.result?.[SELECT_MANDATE]) return refuse(ctx, uid, locale, 'already_submitted', { interaction, form });
      const mandateId = single(form, 'mandate');
      const roleCode = single(form, 'role');
      if (typeof mandateId !== 'string' || mandateId === '' || roleCode === null || roleCode === '') {
        return refuse(ctx, uid, locale, 'malformed_form', { interaction, form, status: 400 });
      }
      const check = await deps.selection.verify(personOf(interaction), clientIdOf(interaction), { mandateId, ...(roleCode !== undefined ? { roleCode } : {}) });
      if (check.ok) return choose(ctx, interaction, check.choice, check.option, false);
      if (check.roleNeeded) {
        ctx.redirect(`${interactionUrl(uid)}/role?${new URLSearchParams({ mandate: mandateId })}`);
        ctx.status = 303;
        return;
      }
      return refuse(ctx, uid, locale, check.reason, { interaction, form });
    },
  };
}

export type SelectionStep = ReturnType<typeof createSelectionStep>;
