import { OnefnError } from '../onefn/errors.js';

/** The module could not be checked at all: not found, not built, or no definitions. */
export class CheckError extends OnefnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHECK', message, options);
    this.name = 'CheckError';
  }
}
