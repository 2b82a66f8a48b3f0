// Belgian identifiers: national register number (RRN/INSZ/NISS), BIS number and enterprise
// number (KBO/BCE). All checks are mod-97; see /work/shared/docs/domain.md §2 for the rules.

export class InvalidIdentifierError extends Error {
  readonly identifier: 'national-number' | 'enterprise-number';
  constructor(identifier: 'national-number' | 'enterprise-number', reason: string) {
    super(`invalid ${identifier === 'national-number' ? 'national register or BIS number' : 'enterprise number'}: ${reason}`);
    this.name = 'InvalidIdentifierError';
    this.identifier = identifier;
  }
}

/** Removes the separators people and cards print (dots, dashes, spaces, slashes). */
export function stripSeparators(input: string): string {
  return input.replace(/[\s.\-/]/g, '');
}

export interface NationalNumberInfo {
  /** The 11 digits without separators. */
  number: string;
  /** `rrn` for the National Register, `bis` for a number issued by the Crossroads Bank. */
  kind: 'rrn' | 'bis';
  /** Parts of the birth date as far as the number encodes them; null when unknown. */
  birthYear: number | null;
  birthMonth: number | null;
  birthDay: number | null;
  /** From the parity of the day counter; null for a BIS number issued without known sex. */
  sex: 'male' | 'female' | null;
}

function mod97(digits: string): bigint {
  return BigInt(digits) % 97n;
}

/** The two check digits for the first 9 digits, in the 1900 form or the 2000 form. */
export function nationalNumberCheckDigits(first9: string, bornFrom2000: boolean): string {
  if (!/^\d{9}$/.test(first9)) throw new InvalidIdentifierError('national-number', 'expected 9 digits before the check digits');
  const check = 97n - mod97(bornFrom2000 ? `2${first9}` : first9);
  return check.toString().padStart(2, '0');
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses and validates a national register number or BIS number (separators allowed).
 * Returns undefined when it is not a valid one; never throws.
 */
export function parseNationalNumber(input: string, today: Date = new Date()): NationalNumberInfo | undefined {
  const number = stripSeparators(input);
  if (!/^\d{11}$/.test(number)) return undefined;
  const first9 = number.slice(0, 9);
  const check = number.slice(9);
  const yy = Number(number.slice(0, 2));
  let century: 1900 | 2000;
  if (nationalNumberCheckDigits(first9, false) === check) century = 1900;
  // The 2000 form is only plausible for years that have already begun; otherwise a number
  // of someone born in 1999 could be read as 2099.
  else if (2000 + yy <= today.getUTCFullYear() && nationalNumberCheckDigits(first9, true) === check) century = 2000;
  else return undefined;

  const rawMonth = Number(number.slice(2, 4));
  const day = Number(number.slice(4, 6));
  const counter = Number(number.slice(6, 9));
  let kind: 'rrn' | 'bis' = 'rrn';
  let month = rawMonth;
  let sexKnown = true;
  if (rawMonth >= 40) {
    kind = 'bis';
    month = rawMonth - 40;
  } else if (rawMonth >= 20) {
    kind = 'bis';
    month = rawMonth - 20;
    sexKnown = false;
  }
  if (month > 12) return undefined;
  const sex = sexKnown ? (counter % 2 === 1 ? 'male' : 'female') : null;

  // 00.00.01 is the fictitious birth date of someone whose birth date was entirely unknown.
  if (number.startsWith('000001')) {
    return { number, kind, birthYear: null, birthMonth: null, birthDay: null, sex };
  }
  const year = century + yy;
  // A zero month or day means unknown (or the day counter ran out that day).
  if (month === 0) return { number, kind, birthYear: year, birthMonth: null, birthDay: null, sex };
  if (day === 0) return { number, kind, birthYear: year, birthMonth: month, birthDay: null, sex };
  if (day > daysInMonth(year, month)) return undefined;
  return { number, kind, birthYear: year, birthMonth: month, birthDay: day, sex };
}

export function isValidNationalNumber(input: string): boolean {
  return parseNationalNumber(input) !== undefined;
}

/** The 11 digits of a valid national register or BIS number; throws InvalidIdentifierError otherwise. */
export function normaliseNationalNumber(input: string): string {
  const info = parseNationalNumber(input);
  if (!info) throw new InvalidIdentifierError('national-number', 'wrong length, date or check digits');
  return info.number;
}

/** `YY.MM.DD-NNN.CC`, the form printed on the eID card. */
export function formatNationalNumber(input: string): string {
  const n = normaliseNationalNumber(input);
  return `${n.slice(0, 2)}.${n.slice(2, 4)}.${n.slice(4, 6)}-${n.slice(6, 9)}.${n.slice(9)}`;
}

/**
 * The form allowed in logs: birth date kept for support, counter and check digits hidden
 * (`93.05.18-***.**`). Anything that is not 11 digits is hidden entirely, because a typo'd
 * number is still somebody's number.
 */
export function maskNationalNumber(input: string): string {
  const n = stripSeparators(input);
  if (!/^\d{11}$/.test(n)) return '**.**.**-***.**';
  return `${n.slice(0, 2)}.${n.slice(2, 4)}.${n.slice(4, 6)}-***.**`;
}

/** Replaces every valid national number inside free text by its masked form. */
export function maskNationalNumbersIn(text: string): string {
  return text.replace(/(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}(?!\d)/g, (candidate) =>
    isValidNationalNumber(candidate) ? maskNationalNumber(candidate) : candidate,
  );
}

/** The two check digits of an enterprise number from its first 8 digits. */
export function enterpriseNumberCheckDigits(first8: string): string {
  if (!/^\d{8}$/.test(first8)) throw new InvalidIdentifierError('enterprise-number', 'expected 8 digits before the check digits');
  return (97n - mod97(first8)).toString().padStart(2, '0');
}

/**
 * Canonical 10 digits of an enterprise number, or undefined. Accepts separators, a `BE` VAT
 * prefix and the historic 9-digit form (which gained a leading 0 in 2005).
 */
export function parseEnterpriseNumber(input: string): string | undefined {
  let n = stripSeparators(input).toUpperCase();
  if (n.startsWith('BE')) n = n.slice(2);
  if (/^\d{9}$/.test(n)) n = `0${n}`;
  // 2-8 as first digit are establishment units, not enterprises.
  if (!/^[01]\d{9}$/.test(n)) return undefined;
  return enterpriseNumberCheckDigits(n.slice(0, 8)) === n.slice(8) ? n : undefined;
}

export function isValidEnterpriseNumber(input: string): boolean {
  return parseEnterpriseNumber(input) !== undefined;
}

/** The 10 digits of a valid enterprise number; throws InvalidIdentifierError otherwise. */
export function normaliseEnterpriseNumber(input: string): string {
  const n = parseEnterpriseNumber(input);
  if (!n) throw new InvalidIdentifierError('enterprise-number', 'expected 10 digits starting with 0 or 1 and valid check digits');
  return n;
}

/** `0566.988.259`, the form the KBO publishes. */
export function formatEnterpriseNumber(input: string): string {
  const n = normaliseEnterpriseNumber(input);
  return `${n.slice(0, 4)}.${n.slice(4, 7)}.${n.slice(7)}`;
}
