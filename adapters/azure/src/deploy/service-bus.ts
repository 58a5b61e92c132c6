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
import { OnefnError } from 'onefn';
import { DeployOptionError } from 'onefn/build';
import { planUses, resourceSetting } from 'onefn/runtime';
import type { AzureFunctionSpec } from '../bindings.js';
import { AzureResponseError } from './errors.js';

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
  /** The queue must be a session queue: the consumer is `ordered` (its binding has `isSessionsEnabled`). */
  readonly sessions: boolean;
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
    if (t.kind === 'serviceBusQueue') triggers.push({ kind: 'queue', entity: t.queueName, function: spec.name, connection: t.connection, sessions: t.isSessionsEnabled === true });
    if (t.kind === 'serviceBusTopic') triggers.push({ kind: 'topic', entity: t.topicName, subscription: t.subscriptionName, function: spec.name, connection: t.connection, sessions: false });
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

// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftservicebus
// Namespaces: 6-50 letters, digits and hyphens, from a letter to a letter or digit, not ending in -sb
// or -mgmt. Queues and topics: 1-260 letters, digits, periods, hyphens and underscores (the slashes
// ARM allows make a path, which onefn does not create), from and to a letter or digit. Topic
// subscriptions: the same characters, 1-50.
const NAMESPACE = /^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/;
const ENTITY = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,258}[A-Za-z0-9])?$/;
const SUBSCRIPTION = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$/;

const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);

/** Checks a Service Bus namespace name (the `--service-bus` flag); returns it. */
export function checkServiceBusNamespace(value: unknown): string {
  if (typeof value !== 'string' || !NAMESPACE.test(value) || /-(?:sb|mgmt)$/i.test(value)) {
    const hint = typeof value === 'string' && value.includes('.') ? ' (the namespace\'s name, not its host name)' : '';
    throw new DeployOptionError('serviceBus', `--service-bus must be a Service Bus namespace name${hint}: 6-50 letters, digits and hyphens, starting with a letter, ending with a letter or digit, not in -sb or -mgmt; got ${shown(String(value))}`);
  }
  return value;
}

/**
 * Refuses, before any call, what Service Bus would refuse or what could not work: an entity or
 * subscription name it does not take, a queue and a topic of the same name (they share the
 * namespace's names, which are case-insensitive), and one queue read both with and without sessions.
 */
export function checkServiceBusNeeds(needs: ServiceBusNeeds): void {
  const kinds = new Map<string, { kind: 'queue' | 'topic'; entity: string; who: string }>();
  const entity = (kind: 'queue' | 'topic', name: string, who: string): void => {
    if (!ENTITY.test(name)) {
      throw new DeployOptionError(kind, `${who}: ${shown(name)} is not a Service Bus ${kind} name (1-260 letters, digits, periods, hyphens and underscores, starting and ending with a letter or digit)`);
    }
    const had = kinds.get(name.toLowerCase());
    if (had && had.kind !== kind) {
      throw new DeployOptionError(kind, `${who} uses ${kind} ${shown(name)}, but ${had.who} uses ${had.kind} ${shown(had.entity)}: a Service Bus queue and topic cannot share a name in one namespace`);
    }
    if (!had) kinds.set(name.toLowerCase(), { kind, entity: name, who });
  };
  for (const s of needs.sends) entity(s.kind, s.entity, s.functions.join(', '));
  const sessions = new Map<string, ServiceBusTrigger>();
  const readers = new Map<string, ServiceBusTrigger>();
  for (const t of needs.triggers) {
    entity(t.kind, t.entity, t.function);
    if (t.kind === 'topic' && !SUBSCRIPTION.test(t.subscription ?? '')) {
      throw new DeployOptionError('topicSubscription', `${t.function}: ${shown(t.subscription ?? '')} is not a Service Bus subscription name (1-50 letters, digits, periods, hyphens and underscores, starting and ending with a letter or digit); set adapter.topicSubscription or rename the function`);
    }
    // Two functions on one subscription would compete for its messages: each would see only some.
    const key = `${t.entity}\u0000${t.subscription ?? ''}`.toLowerCase();
    const first = t.kind === 'topic' ? readers.get(key) : undefined;
    if (first) {
      throw new DeployOptionError('topicSubscription', `${first.function} and ${t.function} both read subscription ${shown(t.subscription ?? '')} of topic ${shown(t.entity)}: each would get only part of its messages; give each subscriber its own subscription (leave adapter.topicSubscription unset: one per function)`);
    }
    if (t.kind === 'topic') readers.set(key, t);
    if (t.kind !== 'queue') continue;
    const other = sessions.get(t.entity.toLowerCase());
    if (other && other.sessions !== t.sessions) {
      throw new DeployOptionError('ordered', `${(t.sessions ? t : other).function} reads queue ${shown(t.entity)} in order (a session queue) but ${(t.sessions ? other : t).function} reads it without: a queue either requires sessions or does not`);
    }
    sessions.set(t.entity.toLowerCase(), t);
  }
}

/** One entity deploy ensures, as a report lists it. */
export interface ServiceBusEntity {
  readonly kind: 'queue' | 'topic' | 'subscription';
  /** The queue's, topic's or subscription's name. */
  readonly name: string;
  /** For a subscription: its topic. */
  readonly topic?: string;
  /** For a queue: created as a session queue (an `ordered` consumer reads it). */
  readonly requiresSession?: boolean;
}

/** The queues, topics and topic subscriptions the app needs, in the order they are ensured. */
export function serviceBusEntities(needs: ServiceBusNeeds): ServiceBusEntity[] {
  return entitySteps(needs, '').map((s): ServiceBusEntity =>
    s.kind === 'subscription' ? { kind: 'subscription', name: s.subscription as string, topic: s.entity } : s.kind === 'queue' ? { kind: 'queue', name: s.entity, requiresSession: s.sessions } : { kind: 'topic', name: s.entity });
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
  readonly sessions: boolean;
  /** A trigger of the app reads it (so an existing queue's sessions must match). */
  readonly read: boolean;
}

function entitySteps(needs: ServiceBusNeeds, namespace: string): EntityStep[] {
  const unique = <T>(items: T[]): T[] => [...new Set(items)];
  const queues = unique([...needs.sends.filter((s) => s.kind === 'queue').map((s) => s.entity), ...needs.triggers.filter((t) => t.kind === 'queue').map((t) => t.entity)]);
  const topics = unique([...needs.sends.filter((s) => s.kind === 'topic').map((s) => s.entity), ...needs.triggers.filter((t) => t.kind === 'topic').map((t) => t.entity)]);
  const subscriptions = new Map(needs.triggers.filter((t) => t.kind === 'topic').map((t) => [`${t.entity}\u0000${t.subscription}`, t]));
  const sessions = new Set(needs.triggers.filter((t) => t.kind === 'queue' && t.sessions).map((t) => t.entity));
  const read = new Set(needs.triggers.filter((t) => t.kind === 'queue').map((t) => t.entity));
  return [
    ...queues.map((entity) => ({ line: `ensure Service Bus ${sessions.has(entity) ? 'session queue' : 'queue'} ${entity} in ${namespace}`, kind: 'queue' as const, entity, sessions: sessions.has(entity), read: read.has(entity) })),
    ...topics.map((entity) => ({ line: `ensure Service Bus topic ${entity} in ${namespace}`, kind: 'topic' as const, entity, sessions: false, read: false })),
    ...[...subscriptions.values()].map((t) => ({ line: `ensure Service Bus subscription ${t.subscription} on topic ${t.entity} in ${namespace}`, kind: 'subscription' as const, entity: t.entity, subscription: t.subscription as string, sessions: false, read: true })),
  ];
}

/** The steps `ensureServiceBusEntities` takes, in order, for a plan or a dry run. */
export function serviceBusSteps(needs: ServiceBusNeeds, namespace: string): string[] {
  return entitySteps(needs, namespace).map((s) => s.line);
}

const isNotFound = (error: unknown): boolean => (error as { statusCode?: unknown }).statusCode === 404;

/** An existing queue that cannot serve the app as it is, and that deploy leaves alone. */
export class ServiceBusEntityError extends OnefnError {
  constructor(message: string) {
    super('AZURE_SERVICE_BUS_ENTITY_MISMATCH', message);
    this.name = 'ServiceBusEntityError';
  }
}

/**
 * Looks the namespace up (deploy never creates one: its name is global and its tier is billed) and
 * returns its ARM id, the scope prefix of every grant. The Basic tier has neither topics nor
 * sessions: an app that needs them there is refused before anything is created.
 */
export async function serviceBusNamespaceId(client: Pick<ServiceBusManagementClient, 'namespaces'>, resourceGroup: string, namespace: string, needs: ServiceBusNeeds): Promise<string> {
  let found: Awaited<ReturnType<ServiceBusManagementClient['namespaces']['get']>>;
  try {
    found = await client.namespaces.get(resourceGroup, namespace);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new ServiceBusEntityError(`the Service Bus namespace ${namespace} does not exist in the resource group ${resourceGroup}; create it (az servicebus namespace create --resource-group ${resourceGroup} --name ${namespace} --sku Standard) or name its resource group with --service-bus-resource-group`);
  }
  const tier = found.sku?.tier ?? found.sku?.name;
  if (tier === 'Basic') {
    const topic = needs.sends.find((s) => s.kind === 'topic')?.entity ?? needs.triggers.find((t) => t.kind === 'topic')?.entity;
    const session = needs.triggers.find((t) => t.sessions)?.entity;
    if (topic !== undefined) throw new ServiceBusEntityError(`the Service Bus namespace ${namespace} is on the Basic tier, which has no topics (the app uses topic ${topic}); use a Standard or Premium namespace`);
    if (session !== undefined) throw new ServiceBusEntityError(`the Service Bus namespace ${namespace} is on the Basic tier, which has no sessions (an ordered consumer reads queue ${session}); use a Standard or Premium namespace`);
  }
  if (!found.id) throw new AzureResponseError(`ARM answered for the Service Bus namespace ${namespace} without its id`);
  return found.id;
}

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
  const ensure = async <T>(name: string, get: () => Promise<T>, create: () => Promise<unknown>, check: (found: T) => void = () => {}): Promise<void> => {
    await step(name, async () => {
      let found: T;
      try {
        found = await get();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await create();
        created.push(name.replace(/^ensure /, ''));
        return;
      }
      check(found);
    });
  };
  for (const s of entitySteps(needs, namespace)) {
    // Sessions are fixed when a queue is created: an existing queue that differs is refused, not changed.
    if (s.kind === 'queue') {
      await ensure(s.line, () => client.queues.get(resourceGroup, namespace, s.entity), () => client.queues.createOrUpdate(resourceGroup, namespace, s.entity, s.sessions ? { requiresSession: true } : {}), (queue) => {
        // A queue the app only sends to is someone else's to read: its sends carry a groupId or not.
        if (!s.read || (queue.requiresSession === true) === s.sessions) return;
        throw new ServiceBusEntityError(s.sessions
          ? `the queue ${s.entity} exists without sessions, and an ordered consumer reads sessions; sessions cannot be turned on later: delete the queue, or give the consumer another queue`
          : `the queue ${s.entity} requires sessions, and its consumer is not ordered (the Functions host reads a session queue only with sessions, and every send to it needs a groupId): make the consumer ordered, or give it another queue`);
      });
    } else if (s.kind === 'topic') await ensure(s.line, () => client.topics.get(resourceGroup, namespace, s.entity), () => client.topics.createOrUpdate(resourceGroup, namespace, s.entity, {}));
    else await ensure(s.line, () => client.subscriptions.get(resourceGroup, namespace, s.entity, s.subscription as string), () => client.subscriptions.createOrUpdate(resourceGroup, namespace, s.entity, s.subscription as string, {}));
  }
  return created;
}
