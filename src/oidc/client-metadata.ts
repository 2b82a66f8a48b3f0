// Client properties of our own that oidc-provider carries on its Client objects (docs:
// configuration.md#extraclientmetadata). They come from the directory's applications table,
// never from a client itself.
import type { Configuration } from 'oidc-provider';

export const FIRST_PARTY = 'first_party';

export function extraClientMetadata(): NonNullable<Configuration['extraClientMetadata']> {
  return {
    properties: [FIRST_PARTY],
    validator(_ctx, key, value, metadata) {
      if (key === FIRST_PARTY) metadata[FIRST_PARTY] = value === true;
    },
  };
}

export function isFirstParty(client: { [key: string]: unknown }): boolean {
  return client[FIRST_PARTY] === true;
}
