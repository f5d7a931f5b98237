/**
 * An argument a service method cannot accept (a review rating outside 0..5, an unknown achievement code, a limit out of
 * range). The message names the argument and what it expects. The HTTP API answers it with 400.
 */
export class InvalidArgumentError extends Error {
  readonly code = 'E_INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}
