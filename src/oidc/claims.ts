// Scopes, claims and account lookup. The person's `sub` is their stable opaque id in the
// directory, never the national register number. Claims are read when a token or userinfo
// response is made, so they reflect the directory at that moment.
import type { Configuration, FindAccount } from 'oidc-provider';

export interface PersonClaimsSource {
  findPerson(id: string): Promise<{ id: string; givenName: string; familyName: string; locale?: string | null } | undefined>;
}

export const SCOPES = ['openid', 'offline_access', 'profile'];


export const CLAIMS: NonNullable<Configuration['claims']> = {
  // acr and amr are only emitted when a scope maps them (oidc-provider's Claims mask); relying
  // parties choose landing pages and step-up from them, so every ID token carries them.
  openid: ['sub', 'acr', 'amr'],
  profile: ['given_name', 'family_name', 'name', 'locale'],
};

export function createFindAccount(directory: PersonClaimsSource): FindAccount {
  return async (_ctx, id) => {
    const person = await directory.findPerson(id);
    if (!person) return undefined;
    return {
      accountId: person.id,
      async claims() {
        return {
          sub: person.id,
          given_name: person.givenName,
          family_name: person.familyName,
          name: `${person.givenName} ${person.familyName}`,
          ...(person.locale ? { locale: person.locale } : {}),
        };
      },
    };
  };
}
