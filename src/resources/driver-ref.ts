import type { ResourceDriver, ResourceDriverSource } from './driver.js';
import { ProviderError, ResourceError, ResourceUnavailableError } from './errors.js';

/** Reaches the driver, turning a missing or failing one into a typed error. */
export class DriverRef {
  constructor(private readonly source: ResourceDriverSource | undefined) {}

  async get(resource: string): Promise<ResourceDriver> {
    if (!this.source) {
      throw new ResourceUnavailableError(resource, 'this function was wrapped without a resource driver (build it with `onefn build`, or pass the adapter\'s `resources` option)');
    }
    try {
      return await this.source();
    } catch (error) {
      if (error instanceof ResourceError) throw error;
      throw new ResourceUnavailableError(resource, 'the resource driver could not be created', { cause: error });
    }
  }
}

/** Runs a driver call; anything it throws that is not already typed becomes a `ProviderError`. */
export async function call<T>(resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ResourceError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError(resource, name, message, { cause: error });
  }
}

