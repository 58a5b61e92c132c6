import type { AuthorizationManagementClient } from '@azure/arm-authorization';
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
  if (allowInsecureConnection) {
    // The SDK's bearer policy refuses http URLs outright. For a local test server only, it is replaced by
    // one that sends the same token over the loopback connection.
    const loopbackBearer: PipelinePolicy = {
      name: 'onefnLoopbackBearer',
      sendRequest: async (request, next) => {
        request.headers.set('authorization', `Bearer ${(await credential.getToken(`${endpoint}/.default`))?.token ?? ''}`);
        return next(request);
      },
    };
    for (const client of Object.values(clients)) {
      client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      client.pipeline.addPolicy(loopbackBearer, { phase: 'Sign' });
    }
  }
  return clients;
}
