// Client properties of our own that oidc-provider carries on its Client objects (docs:
// configuration.md#extraclientmetadata). They come from the directory's applications table,
// never from a client itself.
import type { Configuration } from 'oidc-provider';
import { NATIONAL_REGISTER_NUMBER_SCOPE, SCOPES } from './claims.ts';

export const FIRST_PARTY = 'first_party';
/** The application may receive the national register number (scope national_register_number). */
export const ALLOW_NRN = 'allow_nrn';
/**
 * Show the entity/capacity choice even when the person has exactly one mandate the application
 * accepts (default: that one is selected without asking).
 */
export const ALWAYS_ASK_MANDATE = 'always_ask_mandate';

export function extraClientMetadata(): NonNullable<Configuration['extraClientMetadata']> {
  return {
    properties: [FIRST_PARTY, ALLOW_NRN, ALWAYS_ASK_MANDATE],
    validator(_ctx, key, value, metadata) {
      if (key === FIRST_PARTY) metadata[FIRST_PARTY] = value === true;
      if (key === ALWAYS_ASK_MANDATE) metadata[ALWAYS_ASK_MANDATE] = value === true;
      if (key === ALLOW_NRN) {
        metadata[ALLOW_NRN] = value === true;
        // oidc-provider refuses (invalid_scope) an OIDC scope outside the client's `scope`
        // metadata; resource server scopes are not affected. The validator runs before that
        // metadata is read, so every client, whatever it was registered with, ends up without
        // the restricted scope unless the directory allows it.
        if (value !== true) metadata.scope = withoutNationalRegisterNumber(metadata.scope);
      }
    },
  };
}

export function isFirstParty(client: { [key: string]: unknown }): boolean {
  return client[FIRST_PARTY] === true;
}

export function alwaysAsksMandate(client: { [key: string]: unknown }): boolean {
  return client[ALWAYS_ASK_MANDATE] === true;
}

export function allowsNationalRegisterNumber(client: { [key: string]: unknown }): boolean {
  return client[ALLOW_NRN] === true;
}

function withoutNationalRegisterNumber(scope: unknown): string {
  const allowed = typeof scope === 'string' && scope.trim() ? scope.split(' ') : SCOPES;
  return allowed.filter((s) => s && s !== NATIONAL_REGISTER_NUMBER_SCOPE).join(' ');
}
