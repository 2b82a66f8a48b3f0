// What every step of an interaction shares: the provider instance serving now, the form token
// of an interaction, the audit trail, and how a step ends (the interaction result, then back to
// oidc-provider's resume URL with 303 so the browser follows with GET).
import type { Context } from 'koa';
import type { Interaction, InteractionResults } from 'oidc-provider';
import { recordAudit, type AuditOutcome } from '../directory/audit.ts';
import type { ProviderHost } from '../oidc/host.ts';
import type { SelectionService } from '../oidc/selection.ts';
import type { Queryable } from '../store/database.ts';
import { checkFormToken, formToken, formTokenKeyOf, type FormTokenProblem } from './csrf.ts';

export interface StepDeps {
  host: ProviderHost;
  selection: SelectionService;
  audit: Queryable;
}

export function csrfFor(host: ProviderHost, uid: string): string {
  return formToken(formTokenKeyOf(host.current), uid);
}

export function formTokenProblem(host: ProviderHost, uid: string, token: unknown): FormTokenProblem | undefined {
  return checkFormToken(formTokenKeyOf(host.current), uid, token);
}

export const clientIdOf = (interaction: Interaction) => String(interaction.params.client_id ?? '');

export async function clientOf(host: ProviderHost, interaction: Interaction) {
  const client = await host.current.Client.find(clientIdOf(interaction));
  return client ? { client, name: client.clientName ?? client.clientId } : undefined;
}

export async function audit(
  deps: StepDeps,
  ctx: Context,
  event: { type: string; outcome: AuditOutcome; personId?: string | null; clientId?: string | null; details: Record<string, unknown> },
): Promise<void> {
  await recordAudit(deps.audit, {
    type: event.type,
    outcome: event.outcome,
    actor: event.personId ?? null,
    subject: event.personId ?? null,
    clientId: event.clientId || null,
    ip: ctx.ip,
    details: event.details,
  });
}

/**
 * Ends the current step with `result`, kept together with what earlier steps of the same
 * authorization submitted (the login, the selection), so no step is asked again on resume.
 */
export async function finishStep(deps: StepDeps, ctx: Context, result: InteractionResults, merge = true): Promise<void> {
  const returnTo = await deps.host.current.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.set('cache-control', 'no-store');
  ctx.redirect(returnTo);
  ctx.status = 303;
}
