import { createHash } from 'node:crypto';
import type { ResourceUse } from 'onefn';

/**
 * Built-in Azure role definitions onefn grants to a function app's system-assigned identity, by the
 * smallest role that allows a declared action. The ids are the same in every tenant:
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage
 *
 * Azure has no built-in role that writes blobs without reading or deleting them, so `write` (and
 * `delete`) take Storage Blob Data Contributor; a narrower grant needs a custom role.
 */
export const STORAGE_ROLES = Object.freeze({
  queueSender: { name: 'Storage Queue Data Message Sender', id: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' },
  blobReader: { name: 'Storage Blob Data Reader', id: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' },
  blobContributor: { name: 'Storage Blob Data Contributor', id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' },
  // Only `generateUserDelegationKey`: lets the app sign SAS URLs with its identity (no account key).
  // That action exists at the account level only, so this one role is scoped to the account; a SAS
  // signed with it still grants no more than the identity's data roles on the container.
  // https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas#assign-permissions-with-rbac
  blobDelegator: { name: 'Storage Blob Delegator', id: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a' },
});

/** One role assignment deploy makes (or, in a dry run, would make) for the app's identity. */
export interface RoleGrant {
  /** The built-in role's name, e.g. `Storage Queue Data Message Sender`. */
  readonly role: string;
  /** Its full id: `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
  readonly roleDefinitionId: string;
  /** The ARM scope: exactly the queue or container, or the account for the delegator role. */
  readonly scope: string;
  /** The declared uses that need it: `queue:orders send (api)`. */
  readonly reason: string;
}

/** Where the app's uses live: the storage account's ARM id (placeholders in a dry run). */
export interface GrantTarget {
  readonly subscriptionId: string;
  readonly accountId: string;
}

/** A use, with the app's real resource name and the functions that declared it. */
export interface AppUse {
  readonly use: ResourceUse;
  /** The queue's or container's name in the account (the setting's override, else the logical name). */
  readonly resource: string;
  readonly functions: readonly string[];
}

function roleId(target: GrantTarget, guid: string): string {
  return `/subscriptions/${target.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

/**
 * The role assignments the app's identity needs for what its functions declared in `uses`: one per
 * queue or container and role, on exactly that scope, plus the delegator role on the account when a
 * container is used (for SAS URLs). The identity belongs to the app, so these are the union over its
 * functions. Topics are not storage: they are not granted here.
 */
export function storageGrants(uses: readonly AppUse[], target: GrantTarget): RoleGrant[] {
  const grants = new Map<string, RoleGrant>();
  const add = (role: { name: string; id: string }, scope: string, reason: string): void => {
    const key = `${role.id} ${scope}`;
    const had = grants.get(key);
    grants.set(key, had ? { ...had, reason: `${had.reason}; ${reason}` } : { role: role.name, roleDefinitionId: roleId(target, role.id), scope, reason });
  };
  let containers = false;
  for (const { use, resource, functions } of uses) {
    const why = `${use.kind}:${use.name} ${use.actions.join(', ')} (${functions.join(', ')})`;
    if (use.kind === 'queue' && use.actions.includes('send')) add(STORAGE_ROLES.queueSender, `${target.accountId}/queueServices/default/queues/${resource}`, why);
    if (use.kind === 'bucket') {
      const writes = use.actions.includes('write') || use.actions.includes('delete');
      add(writes ? STORAGE_ROLES.blobContributor : STORAGE_ROLES.blobReader, `${target.accountId}/blobServices/default/containers/${resource}`, why);
      containers = true;
    }
  }
  if (containers) add(STORAGE_ROLES.blobDelegator, target.accountId, 'signing download and upload URLs with the app\'s identity');
  return [...grants.values()];
}

/**
 * A role assignment's name: a GUID derived from the scope, the role and the principal, so that a
 * redeploy asks for the same assignment (ARM answers 409 RoleAssignmentExists, which is fine) instead
 * of piling up duplicates. Formatted as a version-5-style UUID from SHA-256.
 */
export function assignmentName(scope: string, roleDefinitionId: string, principalId: string): string {
  const hex = createHash('sha256').update(`${scope.toLowerCase()}|${roleDefinitionId.toLowerCase()}|${principalId.toLowerCase()}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The app setting prefix of the identity-based connection that onefn's resource driver reads. */
export const IDENTITY_CONNECTION = 'ONEFN_STORAGE';

/**
 * The identity-based connection settings for the storage account that holds the app's queues and
 * containers, in the Functions host's own format (`<CONNECTION>__queueServiceUri`,
 * `__blobServiceUri`, `__credential`):
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection
 * No key: the app's system-assigned identity authenticates.
 */
export function identitySettings(endpoints: { blob: string; queue: string }): Record<string, string> {
  return {
    [`${IDENTITY_CONNECTION}__blobServiceUri`]: endpoints.blob.replace(/\/+$/, ''),
    [`${IDENTITY_CONNECTION}__queueServiceUri`]: endpoints.queue.replace(/\/+$/, ''),
    [`${IDENTITY_CONNECTION}__credential`]: 'managedidentity',
  };
}
