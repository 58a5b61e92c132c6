import { createHash } from 'node:crypto';

/** SHA-256 in base64, the form Lambda reports as CodeSha256. */
export function sha256Base64(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('base64');
}
