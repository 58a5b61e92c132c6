import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { ServiceBusManagementClient } from '@azure/arm-servicebus';
import type { WebSiteManagementClient } from '@azure/arm-appservice';
import type { EventGridManagementClient } from '@azure/arm-eventgrid';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { StorageManagementClient } from '@azure/arm-storage';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { loadPackage } from '../packages.js';

/** The official ARM clients one deploy uses, created once. */
export interface ArmClients {
  readonly resources: ResourceManagementClient;
  readonly storage: StorageManagementClient;
  readonly web: WebSiteManagementClient;
  readonly eventGrid: EventGridManagementClient;
  readonly authorization: AuthorizationManagementClient;
}

const PURPOSE = 'onefn deploy azure';

/** The credential deploy uses when none is given: DefaultAzureCredential (az login, environment, managed identity). */
export async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await loadPackage('@azure/identity', PURPOSE, true, () => import('@azure/identity'));
  return new DefaultAzureCredential();
}

/**
 * Loads the @azure/arm-* packages (optional peers of @onefn/azure: a missing one names its install
 * command) and creates their clients against `endpoint`.
 */
export async function armClients(credential: TokenCredential, subscriptionId: string, endpoint: string, allowInsecureConnection: boolean | undefined): Promise<ArmClients> {
  const [resourcesApi, storageApi, webApi, eventGridApi, authorizationApi] = await Promise.all([
    loadPackage('@azure/arm-resources', PURPOSE, true, () => import('@azure/arm-resources')),
    loadPackage('@azure/arm-storage', PURPOSE, true, () => import('@azure/arm-storage')),
    loadPackage('@azure/arm-appservice', PURPOSE, true, () => import('@azure/arm-appservice')),
    loadPackage('@azure/arm-eventgrid', PURPOSE, true, () => import('@azure/arm-eventgrid')),
    loadPackage('@azure/arm-authorization', PURPOSE, true, () => import('@azure/arm-authorization')),
  ]);
  const options = { endpoint, $host: endpoint, allowInsecureConnection };
  const clients: ArmClients = {
    resources: new resourcesApi.ResourceManagementClient(credential, subscriptionId, options),
    storage: new storageApi.StorageManagementClient(credential, subscriptionId, options),
    web: new webApi.WebSiteManagementClient(credential, subscriptionId, options),
    eventGrid: new eventGridApi.EventGridManagementClient(credential, subscriptionId, options),
    authorization: new authorizationApi.AuthorizationManagementClient(credential, subscriptionId, options),
  };
  if (allowInsecureConnection) loopbackBearer(credential, endpoint, Object.values(clients));
  return clients;
}

/**
 * The Service Bus ARM client, loaded only for an app that reaches Service Bus (so that
 * @azure/arm-servicebus is needed only there), with the same endpoint and token handling.
 */
export async function serviceBusClient(credential: TokenCredential, subscriptionId: string, endpoint: string, allowInsecureConnection: boolean | undefined): Promise<ServiceBusManagementClient> {
  const api = await loadPackage('@azure/arm-servicebus', PURPOSE, true, () => import('@azure/arm-servicebus'));
  const client = new api.ServiceBusManagementClient(credential, subscriptionId, { endpoint, $host: endpoint, allowInsecureConnection });
  if (allowInsecureConnection) loopbackBearer(credential, endpoint, [client]);
  return client;
}

// The SDK's bearer policy refuses http URLs outright. For a local test server only, it is replaced by
// one that sends the same token over the loopback connection.
function loopbackBearer(credential: TokenCredential, endpoint: string, clients: ReadonlyArray<{ pipeline: { removePolicy(options: { name: string }): unknown; addPolicy(policy: PipelinePolicy, options: { phase: 'Sign' }): void } }>): void {
  const policy: PipelinePolicy = {
    name: 'onefnLoopbackBearer',
    sendRequest: async (request, next) => {
      request.headers.set('authorization', `Bearer ${(await credential.getToken(`${endpoint}/.default`))?.token ?? ''}`);
      return next(request);
    },
  };
  for (const client of clients) {
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    client.pipeline.addPolicy(policy, { phase: 'Sign' });
  }
}
