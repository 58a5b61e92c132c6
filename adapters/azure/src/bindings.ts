import type { HttpDefinition, HttpMethod } from 'onefn';
import { type CompiledRoute, type FunctionPlan, toNcrontab } from 'onefn/runtime';
import type { ResolvedOptions } from './options.js';

/** The `app` method a function is registered with. */
export type AzureTriggerKind = 'http' | 'storageQueue' | 'serviceBusQueue' | 'serviceBusTopic' | 'storageBlob' | 'eventGrid' | 'timer';

/** The trigger options passed to `app.<kind>(name, { ...trigger, handler })`. */
export type AzureTriggerOptions =
  | { kind: 'http'; route: string; methods: HttpMethod[]; authLevel: 'anonymous' | 'function' }
  | { kind: 'storageQueue'; queueName: string; connection: string }
  | { kind: 'serviceBusQueue'; queueName: string; connection: string; isSessionsEnabled?: true }
  | { kind: 'serviceBusTopic'; topicName: string; subscriptionName: string; connection: string }
  | { kind: 'storageBlob'; path: string; connection: string }
  | { kind: 'eventGrid' }
  | { kind: 'timer'; schedule: string };

/** One Azure function: its name, its plan, and the trigger it registers. Deploy reads these too. */
export interface AzureFunctionSpec {
  readonly name: string;
  readonly plan: FunctionPlan;
  readonly trigger: AzureTriggerOptions;
}

/**
 * Azure route templates use `{name}` and a final `{*rest}` catch-all, without a leading slash.
 *
 * @example
 * toAzureRoute(compileRoute('/users/:id/*')) // 'users/{id}/{*rest}'
 */
export function toAzureRoute(route: CompiledRoute): string {
  return route.segments
    .map((s) => (s.kind === 'static' ? s.value : s.kind === 'param' ? `{${s.name}}` : '{*rest}'))
    .join('/');
}

const ALL_METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function httpMethods(defs: readonly HttpDefinition[]): HttpMethod[] {
  const set = new Set<HttpMethod>();
  for (const def of defs) {
    const { methods, cors } = def.trigger;
    if (methods === 'ANY') return [...ALL_METHODS];
    for (const m of methods) set.add(m);
    // HEAD is answered by GET handlers, and CORS preflights must reach the router.
    if (set.has('GET')) set.add('HEAD');
    if (cors) set.add('OPTIONS');
  }
  return ALL_METHODS.filter((m) => set.has(m));
}

function httpRoute(defs: readonly HttpDefinition[]): string {
  const only = defs.length === 1 ? defs[0]?.trigger.route : undefined;
  // Several definitions (or one without a route) share one function that routes every path itself.
  if (!only) return '{*path}';
  const route = toAzureRoute(only);
  return route === '' ? '/' : route;
}

/**
 * The Azure function for each planned function: HTTP routes and methods, the queue, topic, container,
 * Event Grid subscription or NCRONTAB schedule it listens to.
 */
export function functionSpecs(plans: readonly FunctionPlan[], options: ResolvedOptions): AzureFunctionSpec[] {
  return plans.map((plan): AzureFunctionSpec => {
    const name = plan.name;
    if (plan.kind === 'http') {
      return {
        name,
        plan,
        trigger: { kind: 'http', route: httpRoute(plan.definitions), methods: httpMethods(plan.definitions), authLevel: plan.public ? 'anonymous' : 'function' },
      };
    }
    const def = plan.definition;
    switch (def.kind) {
      case 'message': {
        const t = def.trigger;
        if (t.type === 'topic') {
          return { name, plan, trigger: { kind: 'serviceBusTopic', topicName: t.name, subscriptionName: options.topicSubscription ?? name, connection: options.serviceBusConnection } };
        }
        // An ordered consumer reads a session queue (its order is per session, the send's `groupId`):
        // https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
        return options.messaging === 'serviceBus'
          ? { name, plan, trigger: { kind: 'serviceBusQueue', queueName: t.name, connection: options.serviceBusConnection, ...(t.ordered ? { isSessionsEnabled: true as const } : {}) } }
          : { name, plan, trigger: { kind: 'storageQueue', queueName: t.name, connection: options.storageConnection } };
      }
      case 'storage':
        return options.storageTrigger === 'blob'
          ? { name, plan, trigger: { kind: 'storageBlob', path: `${def.trigger.bucket}/${def.trigger.prefix ?? ''}{name}`, connection: options.storageConnection } }
          : { name, plan, trigger: { kind: 'eventGrid' } };
      case 'schedule':
        return { name, plan, trigger: { kind: 'timer', schedule: toNcrontab(def.trigger.schedule) } };
      case 'cloudevent':
        // Bound to a topic: a subscription to that Service Bus topic, its CloudEvents in binary mode.
        if (def.trigger.topic !== undefined) {
          return { name, plan, trigger: { kind: 'serviceBusTopic', topicName: def.trigger.topic, subscriptionName: options.topicSubscription ?? name, connection: options.serviceBusConnection } };
        }
        return { name, plan, trigger: { kind: 'eventGrid' } };
    }
  });
}
