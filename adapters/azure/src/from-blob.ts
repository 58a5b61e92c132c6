import type { InvocationContext } from '@azure/functions';
import { MalformedEventError, type StorageEvent } from 'onefn';
import { createStorageEvent } from 'onefn/runtime';

/**
 * A blob trigger invocation as a StorageEvent. The trigger fires for created or updated blobs only, so
 * the change is always `created`; `blobTrigger` in the trigger metadata is `<container>/<name>`, and
 * `properties` holds the length, ETag, content type and last-modified time.
 */
export function fromBlob(input: unknown, context: InvocationContext): StorageEvent {
  const meta = context.triggerMetadata ?? {};
  const path = meta['blobTrigger'];
  if (typeof path !== 'string' || path.indexOf('/') < 1) throw new MalformedEventError('a blob trigger invocation without "<container>/<name>" in blobTrigger');
  const slash = path.indexOf('/');
  const props = (typeof meta['properties'] === 'object' && meta['properties'] !== null ? meta['properties'] : {}) as Record<string, unknown>;
  const size = props['length'] ?? props['contentLength'] ?? (input instanceof Uint8Array ? input.byteLength : undefined);
  const modified = props['lastModified'];
  return createStorageEvent({
    id: context.invocationId,
    bucket: path.slice(0, slash),
    key: path.slice(slash + 1),
    change: 'created',
    size: typeof size === 'number' || typeof size === 'string' ? size : undefined,
    etag: typeof props['eTag'] === 'string' ? props['eTag'] : typeof props['etag'] === 'string' ? props['etag'] : undefined,
    contentType: typeof props['contentType'] === 'string' ? props['contentType'] : undefined,
    time: typeof modified === 'string' || modified instanceof Date ? modified : undefined,
    native: { provider: 'azure', event: input, context },
  });
}
