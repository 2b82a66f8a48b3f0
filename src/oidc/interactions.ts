// Where oidc-provider sends the browser when a person must act (docs: configuration.md
// #interactions). The prompts are oidc-provider's login and consent; the entity/capacity/role
// step is added between them when that feature lands.
import { interactionPolicy, type Configuration } from 'oidc-provider';

export const INTERACTION_PATH = '/interaction';

export function interactionsConfiguration(): NonNullable<Configuration['interactions']> {
  return {
    policy: interactionPolicy.base(),
    url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
  };
}
