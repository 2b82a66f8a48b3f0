import { maskNationalNumber } from '../../../directory/identifiers.ts';

// Anything shaped like a national number, valid or mistyped, in text that echoes what the
// operator typed: a number given where an id or a code was expected must not come back in clear.
const NUMBER_LIKE = /(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}(?!\d)/g;
export const maskNumberLike = (text: string) => text.replace(NUMBER_LIKE, (n) => maskNationalNumber(n));

/** Operator mistakes that are not about the command line: unknown person, client, profile. */
export class DirectoryCommandError extends Error {
  constructor(message: string) {
    super(maskNumberLike(message));
    this.name = 'DirectoryCommandError';
  }
}
