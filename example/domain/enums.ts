/** Story and hero language (ISO 639-1 codes). */
export enum Language {
  English = 'en',
  Russian = 'ru',
  German = 'de',
  French = 'fr',
  Spanish = 'es',
  Greek = 'el',
}

/** Gender of a hero or a child. */
export enum Gender {
  Male = 'male',
  Female = 'female',
  Other = 'other',
}

/** CEFR proficiency level of a deck, A1 (beginner) to C2 (mastery). */
export enum CefrLevel {
  A1 = 'A1',
  A2 = 'A2',
  B1 = 'B1',
  B2 = 'B2',
  C1 = 'C1',
  C2 = 'C2',
}

/**
 * Checks that `value` is one of the values of a string enum.
 * @throws {DomainValidationError} when it is not.
 */
export function parseEnum<E extends Record<string, string>>(enumObject: E, value: string, what: string): E[keyof E] {
  const values = Object.values(enumObject) as string[];
  if (!values.includes(value)) {
    throw new DomainValidationError(`${what} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as E[keyof E];
}

/** A domain invariant was broken (a rating of 7, an unknown language, ...). Code: `E_DOMAIN_VALIDATION`. */
export class DomainValidationError extends Error {
  readonly code = 'E_DOMAIN_VALIDATION';
  constructor(message: string) {
    super(message);
    this.name = 'DomainValidationError';
  }
}
