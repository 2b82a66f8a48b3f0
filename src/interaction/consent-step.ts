// The consent step. A third-party application sees what it will receive, in plain words, and
// for which entity, capacity and role the person acts; accepting grants what it asked for and
// stores the selection with the grant. A first-party application never shows this page: its
// grant is made in loadExistingGrant, and an explicit prompt=consent is answered at once.
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { Locale } from '../i18n/locale.ts';
import { MESSAGES, t, tf, type MessageKey } from '../i18n/messages.ts';
import { isFirstParty } from '../oidc/client-metadata.ts';
import { SELECT_MANDATE, grantExpiry, isSelectionChoice, type MandateOption, type SelectionChoice } from '../oidc/selection.ts';
import { readForm, single } from './form.ts';
import { localeFor, loadInteraction } from './load.ts';
import { renderConsent, renderSelectionRefused, type SelectionRefusal } from './pages.ts';
import { audit, clientIdOf, clientOf, csrfFor, finishStep, formTokenProblem, type StepDeps } from './steps.ts';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function scopeLine(locale: Locale, scope: string): string {
  const key = `consent.scope.${scope}`;
  return key in MESSAGES[locale] ? t(locale, key as MessageKey) : tf(locale, 'consent.scope.other', { scope });
}

/** What the client asks for, one line per scope and per individually requested claim. */
export function consentItems(locale: Locale, interaction: Interaction): string[] {
  const scopes = String(interaction.params.scope ?? '').split(' ').filter(Boolean);
  const details = interaction.prompt.details as ConsentDetails;
  const claims = (details.missingOIDCClaims ?? []).filter((c) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(c));
  return [...new Set([...scopes.map((s) => scopeLine(locale, s)), ...claims.map((claim) => tf(locale, 'consent.claim', { claim }))])];
}

export function createConsentStep(deps: StepDeps) {
  const personOf = (interaction: Interaction) => interaction.session?.accountId ?? '';

  /** The selection made earlier in this authorization, checked again; undefined when none. */
  async function chosen(interaction: Interaction): Promise<{ choice: SelectionChoice; option: MandateOption } | SelectionRefusal | undefined> {
    let choice: unknown = interaction.lastSubmission?.[SELECT_MANDATE];
    if (!isSelectionChoice(choice)) {
      // Chosen in an earlier authorization and still held: the grant's own selection.
      if (!interaction.grantId) return undefined;
      choice = await deps.selection.liveSelection(interaction.grantId, personOf(interaction), clientIdOf(interaction));
      if (!isSelectionChoice(choice)) return undefined;
    }
    const check = await deps.selection.verify(personOf(interaction), clientIdOf(interaction), choice);
    if (check.ok) return { choice: check.choice, option: check.option };
    return check.roleNeeded ? 'role_not_held' : check.reason;
  }

  async function grantAndFinish(ctx: Context, interaction: Interaction, selected: { choice: SelectionChoice; option: MandateOption } | undefined, automatic: boolean) {
    const provider = deps.host.current;
    const clientId = clientIdOf(interaction);
    const personId = personOf(interaction);
    const grant = (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ?? new provider.Grant({ accountId: personId, clientId });
    const details = interaction.prompt.details as ConsentDetails;
    if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    if (selected) {
      const sessionUid = interaction.session?.uid ?? null;
      const session = sessionUid ? await provider.Session.findByUid(sessionUid) : undefined;
      await deps.selection.selections.save({
        grantId,
        personId,
        clientId,
        mandateId: selected.choice.mandateId,
        roleCode: selected.choice.roleCode,
        sessionUid,
        sid: session?.sidFor(clientId) ?? null,
        expiresAt: grantExpiry(grant),
      });
    }
    await audit(deps, ctx, {
      type: 'consent.given',
      outcome: 'success',
      personId,
      clientId,
      details: { interaction: interaction.uid, grant: grantId, scope: grant.getOIDCScope(), automatic, mandate: selected?.choice.mandateId ?? null },
    });
    await finishStep(deps, ctx, { consent: { grantId } });
  }

  async function refuse(ctx: Context, uid: string, locale: Locale, reason: SelectionRefusal, interaction: Interaction | undefined, status = 403) {
    await audit(deps, ctx, {
      type: 'selection.refused',
      outcome: 'failure',
      personId: interaction ? personOf(interaction) || null : null,
      clientId: interaction ? clientIdOf(interaction) : null,
      details: { interaction: uid, reason, step: interaction?.prompt.name ?? null },
    });
    renderSelectionRefused(ctx, { locale, uid, reason, status });
  }

  return {
    /** GET of the interaction while its prompt is consent. */
    async show(ctx: Context, interaction: Interaction, locale: Locale): Promise<void> {
      const found = await clientOf(deps.host, interaction);
      const selected = await chosen(interaction);
      if (typeof selected === 'string') return refuse(ctx, interaction.uid, locale, selected, interaction);
      if (found && isFirstParty(found.client as unknown as Record<string, unknown>)) return grantAndFinish(ctx, interaction, selected, true);
      renderConsent(ctx, {
        locale,
        uid: interaction.uid,
        csrf: csrfFor(deps.host, interaction.uid),
        clientName: found?.name ?? clientIdOf(interaction),
        items: consentItems(locale, interaction),
        ...(selected ? { selection: { option: selected.option, roleCode: selected.choice.roleCode } } : {}),
      });
    },

    /** POST /interaction/:uid/consent: decision=accept|deny with the form token. */
    async submit(ctx: Context): Promise<void> {
      const uid = String(ctx.params.uid);
      const form = await readForm(ctx);
      const interaction = await loadInteraction(deps.host, ctx);
      const locale = localeFor(ctx, interaction);
      const tokenProblem = formTokenProblem(deps.host, uid, single(form, 'csrf'));
      if (tokenProblem) return refuse(ctx, uid, locale, tokenProblem, interaction);
      if (!interaction) return refuse(ctx, uid, locale, 'interaction_not_found', undefined);
      if (interaction.prompt.name !== 'consent') return refuse(ctx, uid, locale, 'wrong_step', interaction);
      if (interaction.result?.consent || interaction.result?.error) return refuse(ctx, uid, locale, 'already_submitted', interaction);
      const decision = single(form, 'decision');
      if (decision === 'deny') {
        await audit(deps, ctx, { type: 'consent.denied', outcome: 'failure', personId: personOf(interaction), clientId: clientIdOf(interaction), details: { interaction: uid } });
        return finishStep(deps, ctx, { error: 'access_denied', error_description: 'the person did not allow the application' }, false);
      }
      if (decision !== 'accept') return refuse(ctx, uid, locale, 'malformed_form', interaction, 400);
      const selected = await chosen(interaction);
      if (typeof selected === 'string') return refuse(ctx, uid, locale, selected, interaction);
      return grantAndFinish(ctx, interaction, selected, false);
    },
  };
}
