/**
 * What deploy does for Service Bus: which queues, topics and subscriptions an app needs (those its
 * triggers read and those its handlers declared in `uses`), the app settings the runtime and the
 * Functions host read, the data-plane role assignments for the app's managed identity, and ensuring
 * the entities through `@azure/arm-servicebus` (existing ones are left alone). Build-time only.
 *
 * @example
 * const needs = serviceBusNeeds(pkg.functions, { messaging: 'serviceBus' })
 * Object.assign(settings, serviceBusSettings(needs, { namespace: 'acme-bus' }))
 * const grants = serviceBusGrants(needs, { subscriptionId, namespaceId })
 * await ensureServiceBusEntities(new ServiceBusManagementClient(credential, subscriptionId), 'rg', 'acme-bus', needs)
 */
import type { ServiceBusManagementClient } from '@azure/arm-servicebus';
import { planUses, resourceSetting } from 'onefn/runtime';
import type { AzureFunctionSpec } from '../bindings.js';

/**
 * The built-in roles, by the smallest that allows the action; their ids are the same in every tenant.
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#azure-service-bus-data-sender
 */
export const SERVICE_BUS_ROLES = Object.freeze({
  sender: { name: 'Azure Service Bus Data Sender', id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' },
  receiver: { name: 'Azure Service Bus Data Receiver', id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' },
});

/** One entity the app sends to, with its real name and the functions that declared it. */
export interface ServiceBusSend {
  readonly kind: 'queue' | 'topic';
  /** The name in code (`topic('order-events')`). */
  readonly name: string;
  /** The entity's name in the namespace: the definition's `ONEFN_<KIND>_<NAME>` setting, else the name. */
  readonly entity: string;
  readonly functions: readonly string[];
}

/** One trigger that reads Service Bus. */
export interface ServiceBusTrigger {
  readonly kind: 'queue' | 'topic';
  readonly entity: string;
  /** For a topic: the subscription the function reads. */
  readonly subscription?: string;
  readonly function: string;
  /** The app setting the trigger's connection names. */
  readonly connection: string;
}

/** Everything an app needs of Service Bus; empty lists when it needs nothing. */
export interface ServiceBusNeeds {
  readonly sends: readonly ServiceBusSend[];
  readonly triggers: readonly ServiceBusTrigger[];
  /** The app setting the runtime driver reads the namespace from. */
  readonly connection: string;
}

/** True when the app reaches Service Bus at all (and so needs a namespace and @azure/service-bus for sends). */
export function needsServiceBus(needs: ServiceBusNeeds): boolean {
  return needs.sends.length > 0 || needs.triggers.length > 0;
}

/**
 * The Service Bus entities an app's functions read and send to. Topics always are Service Bus;
 * queues are when `messaging` is `serviceBus` (else they are Storage Queues, not listed here).
 */
export function serviceBusNeeds(functions: readonly AzureFunctionSpec[], options: { messaging?: 'storageQueue' | 'serviceBus'; serviceBusConnection?: string } = {}): ServiceBusNeeds {
  const connection = options.serviceBusConnection ?? 'ServiceBusConnection';
  const sends = new Map<string, { kind: 'queue' | 'topic'; name: string; entity: string; functions: string[] }>();
  const triggers: ServiceBusTrigger[] = [];
  for (const spec of functions) {
    const t = spec.trigger;
    if (t.kind === 'serviceBusQueue') triggers.push({ kind: 'queue', entity: t.queueName, function: spec.name, connection: t.connection });
    if (t.kind === 'serviceBusTopic') triggers.push({ kind: 'topic', entity: t.topicName, subscription: t.subscriptionName, function: spec.name, connection: t.connection });
    const env = spec.plan.settings.env ?? {};
    for (const use of planUses(spec.plan)) {
      if (use.kind === 'bucket' || (use.kind === 'queue' && options.messaging !== 'serviceBus')) continue;
      const entity = env[resourceSetting(use.kind, use.name)] || use.name;
      const key = `${use.kind}:${entity}`;
      const found = sends.get(key) ?? { kind: use.kind, name: use.name, entity, functions: [] };
      if (!found.functions.includes(spec.name)) found.functions.push(spec.name);
      sends.set(key, found);
    }
  }
  return { sends: [...sends.values()], triggers, connection };
}

/** How the app reaches the namespace: its name (an identity-based connection) or a connection string. */
export type ServiceBusNamespace = { readonly namespace: string } | { readonly connectionString: string };

/**
 * The app settings for Service Bus: the real entity names (`ONEFN_TOPIC_<NAME>`, `ONEFN_QUEUE_<NAME>`)
 * and, for each connection setting the driver or a trigger reads, either the connection string or
 * `<setting>__fullyQualifiedNamespace` (the host's identity-based form, which the driver reads too).
 */
export function serviceBusSettings(needs: ServiceBusNeeds, reach: ServiceBusNamespace): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const send of needs.sends) settings[resourceSetting(send.kind, send.name)] = send.entity;
  const connections = new Set([...(needs.sends.length ? [needs.connection] : []), ...needs.triggers.map((t) => t.connection)]);
  for (const setting of connections) {
    if ('connectionString' in reach) settings[setting] = reach.connectionString;
    else settings[`${setting}__fullyQualifiedNamespace`] = `${reach.namespace}.servicebus.windows.net`;
  }
  return settings;
}

/** One role assignment for the app's identity (the same shape as deploy's storage grants). */
export interface ServiceBusGrant {
  readonly role: string;
  /** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
  readonly roleDefinitionId: string;
  /** Exactly the queue, topic, or topic subscription. */
  readonly scope: string;
  /** Why: `topic:order-events publish (api)`. */
  readonly reason: string;
}

/**
 * Least privilege: Data Sender on each queue and topic the functions send to, Data Receiver on each
 * queue and topic subscription a trigger reads, each on exactly that entity.
 */
export function serviceBusGrants(needs: ServiceBusNeeds, target: { subscriptionId: string; namespaceId: string }): ServiceBusGrant[] {
  const role = (r: { name: string; id: string }) => ({ role: r.name, roleDefinitionId: `/subscriptions/${target.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${r.id}` });
  const grants = new Map<string, ServiceBusGrant>();
  for (const s of needs.sends) {
    const scope = `${target.namespaceId}/${s.kind === 'queue' ? 'queues' : 'topics'}/${s.entity}`;
    grants.set(`${scope}|sender`, { ...role(SERVICE_BUS_ROLES.sender), scope, reason: `${s.kind}:${s.name} ${s.kind === 'queue' ? 'send' : 'publish'} (${s.functions.join(', ')})` });
  }
  for (const t of needs.triggers) {
    const scope = t.kind === 'queue' ? `${target.namespaceId}/queues/${t.entity}` : `${target.namespaceId}/topics/${t.entity}/subscriptions/${t.subscription}`;
    const previous = grants.get(`${scope}|receiver`);
    const functions = previous ? `${previous.reason.slice(previous.reason.indexOf('(') + 1, -1)}, ${t.function}` : t.function;
    grants.set(`${scope}|receiver`, { ...role(SERVICE_BUS_ROLES.receiver), scope, reason: `${t.kind}:${t.entity} receive (${functions})` });
  }
  return [...grants.values()];
}

interface EntityStep {
  readonly line: string;
  readonly kind: 'queue' | 'topic' | 'subscription';
  readonly entity: string;
  readonly subscription?: string;
}

function entitySteps(needs: ServiceBusNeeds, namespace: string): EntityStep[] {
  const unique = <T>(items: T[]): T[] => [...new Set(items)];
  const queues = unique([...needs.sends.filter((s) => s.kind === 'queue').map((s) => s.entity), ...needs.triggers.filter((t) => t.kind === 'queue').map((t) => t.entity)]);
  const topics = unique([...needs.sends.filter((s) => s.kind === 'topic').map((s) => s.entity), ...needs.triggers.filter((t) => t.kind === 'topic').map((t) => t.entity)]);
  const subscriptions = new Map(needs.triggers.filter((t) => t.kind === 'topic').map((t) => [`${t.entity}\u0000${t.subscription}`, t]));
  return [
    ...queues.map((entity) => ({ line: `ensure Service Bus queue ${entity} in ${namespace}`, kind: 'queue' as const, entity })),
    ...topics.map((entity) => ({ line: `ensure Service Bus topic ${entity} in ${namespace}`, kind: 'topic' as const, entity })),
    ...[...subscriptions.values()].map((t) => ({ line: `ensure Service Bus subscription ${t.subscription} on topic ${t.entity} in ${namespace}`, kind: 'subscription' as const, entity: t.entity, subscription: t.subscription as string })),
  ];
}

/** The steps `ensureServiceBusEntities` takes, in order, for a plan or a dry run. */
export function serviceBusSteps(needs: ServiceBusNeeds, namespace: string): string[] {
  return entitySteps(needs, namespace).map((s) => s.line);
}

const isNotFound = (error: unknown): boolean => (error as { statusCode?: unknown }).statusCode === 404;

/**
 * Creates the queues, topics and topic subscriptions the app needs that do not exist yet, through the
 * ARM client; an entity that exists is left as it is (its settings are the owner's). Returns what it
 * created. `step` wraps each step (deploy logs it and types its failure).
 */
export async function ensureServiceBusEntities(
  client: Pick<ServiceBusManagementClient, 'queues' | 'topics' | 'subscriptions'>,
  resourceGroup: string,
  namespace: string,
  needs: ServiceBusNeeds,
  step: <T>(name: string, run: () => Promise<T>) => Promise<T> = (_name, run) => run(),
): Promise<string[]> {
  const created: string[] = [];
  const ensure = async (name: string, get: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> => {
    await step(name, async () => {
      try {
        await get();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await create();
        created.push(name.replace(/^ensure /, ''));
      }
    });
  };
  for (const s of entitySteps(needs, namespace)) {
    if (s.kind === 'queue') await ensure(s.line, () => client.queues.get(resourceGroup, namespace, s.entity), () => client.queues.createOrUpdate(resourceGroup, namespace, s.entity, {}));
    else if (s.kind === 'topic') await ensure(s.line, () => client.topics.get(resourceGroup, namespace, s.entity), () => client.topics.createOrUpdate(resourceGroup, namespace, s.entity, {}));
    else await ensure(s.line, () => client.subscriptions.get(resourceGroup, namespace, s.entity, s.subscription as string), () => client.subscriptions.createOrUpdate(resourceGroup, namespace, s.entity, s.subscription as string, {}));
  }
  return created;
}
