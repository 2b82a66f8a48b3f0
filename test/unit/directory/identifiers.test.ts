import {
  enterpriseNumberCheckDigits,
  formatEnterpriseNumber,
  formatNationalNumber,
  InvalidIdentifierError,
  isValidEnterpriseNumber,
  isValidNationalNumber,
  maskNationalNumber,
  maskNationalNumbersIn,
  nationalNumberCheckDigits,
  normaliseEnterpriseNumber,
  normaliseNationalNumber,
  parseEnterpriseNumber,
  parseNationalNumber,
  stripSeparators,
} from '../../../src/directory/identifiers.ts';

describe('national register number', () => {
  it('accepts the documented example 93051822361 (97 - 930518223 mod 97 = 61)', () => {
    expect(parseNationalNumber('93051822361')).toEqual({
      number: '93051822361',
      kind: 'rrn',
      birthYear: 1993,
      birthMonth: 5,
      birthDay: 18,
      sex: 'male',
    });
  });

  it('accepts numbers from real eID sample certificates', () => {
    expect(isValidNationalNumber('79021802145')).toBe(true);
    expect(isValidNationalNumber('67022330340')).toBe(true);
  });

  it('accepts the printed form with dots, dash and spaces', () => {
    expect(normaliseNationalNumber('93.05.18-223.61')).toBe('93051822361');
    expect(normaliseNationalNumber(' 930518 223 61 ')).toBe('93051822361');
    expect(stripSeparators('93.05.18-223.61')).toBe('93051822361');
  });

  it('rejects a wrong check digit, a wrong length and non-digits', () => {
    expect(isValidNationalNumber('93051822362')).toBe(false);
    expect(isValidNationalNumber('9305182236')).toBe(false);
    expect(isValidNationalNumber('930518223611')).toBe(false);
    expect(isValidNationalNumber('93O51822361')).toBe(false);
    expect(isValidNationalNumber('')).toBe(false);
  });

  it('uses the 2000 rule (a 2 before the nine digits) for people born from 2000', () => {
    const first9 = '021105124';
    expect(nationalNumberCheckDigits(first9, true)).toBe('68');
    expect(parseNationalNumber('02110512468')).toMatchObject({ kind: 'rrn', birthYear: 2002, birthMonth: 11, birthDay: 5, sex: 'female' });
  });

  it('reads 93051822390 as born in 2093 only once that year has begun', () => {
    // The same nine digits with the 2000-rule check digits (domain.md §2: 90).
    expect(nationalNumberCheckDigits('930518223', true)).toBe('90');
    expect(isValidNationalNumber('93051822390')).toBe(false);
    expect(parseNationalNumber('93051822390', new Date('2093-06-01T00:00:00Z'))).toMatchObject({ birthYear: 2093 });
  });

  it('rejects impossible dates even with matching check digits', () => {
    const withCheck = (first9: string) => first9 + nationalNumberCheckDigits(first9, false);
    expect(isValidNationalNumber(withCheck('931318223'))).toBe(false); // month 13
    expect(isValidNationalNumber(withCheck('930231223'))).toBe(false); // 31 February
    expect(isValidNationalNumber(withCheck('930229223'))).toBe(false); // 1993 is no leap year
    expect(isValidNationalNumber(withCheck('920229223'))).toBe(true); // 1992 is
  });

  it('accepts unknown month or day (00) and the fully unknown birth date 00.00.01', () => {
    const withCheck = (first9: string) => first9 + nationalNumberCheckDigits(first9, false);
    expect(parseNationalNumber(withCheck('930000223'))).toMatchObject({ birthYear: 1993, birthMonth: null, birthDay: null });
    expect(parseNationalNumber(withCheck('930500223'))).toMatchObject({ birthYear: 1993, birthMonth: 5, birthDay: null });
    expect(parseNationalNumber(withCheck('000001223'))).toMatchObject({ birthYear: null, birthMonth: null, birthDay: null });
  });

  it('reads the sex from the parity of the day counter', () => {
    expect(parseNationalNumber('85031204642')?.sex).toBe('female');
    expect(parseNationalNumber('93051822361')?.sex).toBe('male');
  });
});

describe('BIS number', () => {
  it('has the month raised by 40 when the sex is known', () => {
    expect(parseNationalNumber('90472113301')).toEqual({
      number: '90472113301',
      kind: 'bis',
      birthYear: 1990,
      birthMonth: 7,
      birthDay: 21,
      sex: 'male',
    });
  });

  it('has the month raised by 20 when the sex is unknown', () => {
    expect(parseNationalNumber('75230015727')).toMatchObject({ kind: 'bis', birthYear: 1975, birthMonth: 3, birthDay: null, sex: null });
  });

  it('rejects months outside 1-12, 20-32 and 40-52', () => {
    const withCheck = (first9: string) => first9 + nationalNumberCheckDigits(first9, false);
    expect(isValidNationalNumber(withCheck('903321133'))).toBe(false);
    expect(isValidNationalNumber(withCheck('905321133'))).toBe(false);
    expect(isValidNationalNumber(withCheck('906021133'))).toBe(false);
  });
});

describe('formatting and masking national numbers', () => {
  it('formats as printed on the card', () => {
    expect(formatNationalNumber('93051822361')).toBe('93.05.18-223.61');
  });

  it('refuses to normalise or format an invalid number', () => {
    expect(() => normaliseNationalNumber('93051822362')).toThrow(InvalidIdentifierError);
    expect(() => formatNationalNumber('123')).toThrow(/invalid national register or BIS number/);
  });

  it('masks counter and check digits for logs', () => {
    expect(maskNationalNumber('93051822361')).toBe('93.05.18-***.**');
    expect(maskNationalNumber('93.05.18-223.61')).toBe('93.05.18-***.**');
  });

  it('hides malformed input entirely rather than echoing it', () => {
    expect(maskNationalNumber('9305182236')).toBe('**.**.**-***.**');
    expect(maskNationalNumber('not a number')).toBe('**.**.**-***.**');
  });

  it('masks valid numbers inside free text and leaves other digits alone', () => {
    expect(maskNationalNumbersIn('user 93051822361 and 93.05.18-223.61, order 12345678901')).toBe(
      'user 93.05.18-***.** and 93.05.18-***.**, order 12345678901',
    );
  });
});

describe('enterprise number (KBO/BCE)', () => {
  it('accepts 0566.988.259 (97 - 05669882 mod 97 = 59)', () => {
    expect(enterpriseNumberCheckDigits('05669882')).toBe('59');
    expect(parseEnterpriseNumber('0566.988.259')).toBe('0566988259');
  });

  it('accepts the 1-series issued since 2023', () => {
    const n = `10000000${enterpriseNumberCheckDigits('10000000')}`;
    expect(isValidEnterpriseNumber(n)).toBe(true);
  });

  it('accepts a BE VAT prefix and the historic 9-digit form', () => {
    expect(normaliseEnterpriseNumber('BE 0566.988.259')).toBe('0566988259');
    expect(normaliseEnterpriseNumber('566988259')).toBe('0566988259');
  });

  it('rejects wrong check digits, establishment units (first digit 2-8) and wrong lengths', () => {
    expect(isValidEnterpriseNumber('0566988258')).toBe(false);
    const unit = `20000000${enterpriseNumberCheckDigits('20000000')}`;
    expect(isValidEnterpriseNumber(unit)).toBe(false);
    expect(isValidEnterpriseNumber('05669882')).toBe(false);
    expect(isValidEnterpriseNumber('05669882590')).toBe(false);
  });

  it('formats as the KBO publishes it', () => {
    expect(formatEnterpriseNumber('0566988259')).toBe('0566.988.259');
    expect(() => formatEnterpriseNumber('0566988258')).toThrow(InvalidIdentifierError);
  });
});
