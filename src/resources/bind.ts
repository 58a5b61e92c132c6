import { type Context, resourceSourceOf } from '../onefn/context.js';
import type { ResourceDriverSource } from './driver.js';
import { bucketClient } from './bucket-client.js';
import { queueClient, topicClient } from './clients.js';
import { DriverRef } from './driver-ref.js';
import { UndeclaredResourceError } from './errors.js';
import type { Grant, Uses } from './handles.js';

/**
 * The context a handler with `uses` receives: the invocation's own context, read through, plus its
 * clients. Fields are read from the inner context each time, so the signal, the deadline and the
 * cutoff stay the pipeline's.
 */
class ResourceContext implements Context {
  constructor(
    private readonly inner: Context,
    readonly resources: object,
  ) {}
  get requestId(): string {
    return this.inner.requestId;
  }
  get functionName(): string {
    return this.inner.functionName;
  }
  get provider(): Context['provider'] {
    return this.inner.provider;
  }
  get deadline(): number {
    return this.inner.deadline;
  }
  remainingMs(): number {
    return this.inner.remainingMs();
  }
  get signal(): AbortSignal {
    return this.inner.signal;
  }
  get log(): Context['log'] {
    return this.inner.log;
  }
  get env(): Context['env'] {
    return this.inner.env;
  }
  get native(): Context['native'] {
    return this.inner.native;
  }
}

function clientFor(grant: Grant, ref: DriverRef): object {
  if (grant.kind === 'queue') return queueClient(grant.name, grant.schema, ref);
  if (grant.kind === 'topic') return topicClient(grant.name, grant.schema, ref);
  return bucketClient(grant.name, grant.actions, ref);
}

/**
 * The clients of one definition for one driver source: made once and kept (a container has one
 * source), so an invocation allocates only its context. Reading a name that was not declared throws
 * an `UndeclaredResourceError`, so plain JavaScript and casts fail as clearly as TypeScript does.
 */
function makeClients(uses: Uses, source: ResourceDriverSource | undefined): object {
  const ref = new DriverRef(source);
  const clients: Record<string, object> = Object.create(null) as Record<string, object>;
  for (const [name, grant] of Object.entries(uses)) clients[name] = clientFor(grant, ref);
  const declared = Object.keys(clients);
  return new Proxy(Object.freeze(clients), {
    get(target, key) {
      if (typeof key === 'symbol') return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      // Promise resolution and inspection probe `then` and friends; they are not uses.
      if (key === 'then' || key === 'toJSON') return undefined;
      throw new UndeclaredResourceError(key, declared);
    },
  });
}

/** Wraps a handler so that its second argument is a context with `resources`. */
export function wrapHandler(uses: Uses, handler: (input: never, ctx: never) => unknown): (input: never, ctx: Context) => unknown {
  const bySource = new WeakMap<ResourceDriverSource, object>();
  let unsourced: object | undefined;
  return (input, ctx) => {
    const source = resourceSourceOf(ctx);
    let clients: object | undefined;
    if (source) {
      clients = bySource.get(source);
      if (!clients) bySource.set(source, (clients = makeClients(uses, source)));
    } else clients = unsourced ??= makeClients(uses, undefined);
    return handler(input, new ResourceContext(ctx, clients) as never);
  };
}
