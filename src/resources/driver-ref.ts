import type { ResourceDriver, ResourceDriverSource } from './driver.js';
import { ProviderError, ResourceError, ResourceUnavailableError } from './errors.js';

/** Reaches the driver, turning a missing or failing one into a typed error. */
export class DriverRef {
  constructor(private readonly source: ResourceDriverSource | undefined) {}

  /** The driver itself when the source gives it synchronously (a created `onceDriver` does), so a send pays no promise turn. */
  get(resource: string): ResourceDriver | Promise<ResourceDriver> {
    if (!this.source) {
      return Promise.reject(new ResourceUnavailableError(resource, 'this function was wrapped without a resource driver (build it with `onefn build`, or pass the adapter\'s `resources` option)'));
    }
    let made: ResourceDriver | Promise<ResourceDriver>;
    try {
      made = this.source();
    } catch (error) {
      return Promise.reject(unavailable(resource, error));
    }
    return made instanceof Promise ? made.catch((error: unknown) => Promise.reject(unavailable(resource, error))) : made;
  }
}

function unavailable(resource: string, error: unknown): ResourceError {
  return error instanceof ResourceError ? error : new ResourceUnavailableError(resource, 'the resource driver could not be created', { cause: error });
}

/** Runs a driver call; anything it throws that is not already typed becomes a `ProviderError`. */
export async function call<T>(resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asProviderError(resource, error);
  }
}

/** What a driver threw, typed: a `ResourceError` as it is, anything else as a `ProviderError`. */
export function asProviderError(resource: string, error: unknown): ResourceError {
  if (error instanceof ResourceError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(resource, name, message, { cause: error });
}

