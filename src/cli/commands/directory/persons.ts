import { maskNationalNumber } from '../../../directory/identifiers.ts';
import type { Action } from './context.ts';
import { findPerson } from './lookups.ts';
import { nationalNumberOption, type Options } from './options.ts';
import { personJson } from './output.ts';

export function personsFind(options: Options): Action {
  const nrn = nationalNumberOption(options);
  return async (ctx) => {
    const person = await findPerson(ctx, { nrn });
    ctx.print(
      `${person.id}  ${person.givenName} ${person.familyName}  (${maskNationalNumber(nrn)}, ${person.preferredLocale})`,
      { person: { ...personJson(person), nationalNumberMasked: maskNationalNumber(nrn) } },
    );
    return 0;
  };
}
