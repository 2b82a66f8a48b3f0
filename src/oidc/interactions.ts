// Where oidc-provider sends the browser when a person must act (docs: configuration.md
// #interactions), and what makes it do so: login, then the entity/capacity/role choice
// (select_mandate, src/oidc/selection.ts), then consent.
import { interactionPolicy, type Configuration } from 'oidc-provider';
import { selectMandatePrompt, type SelectionService } from './selection.ts';

export const INTERACTION_PATH = '/interaction';

export function interactionsConfiguration(selection: SelectionService): NonNullable<Configuration['interactions']> {
  const policy = interactionPolicy.base();
  // Prompts are evaluated in order and the first one with a failing check is the interaction's
  // prompt: after login (index 0), before consent.
  policy.add(selectMandatePrompt(selection), 1);
  return {
    policy,
    url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
  };
}
