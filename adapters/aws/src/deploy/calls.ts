import { CredentialsError } from 'onefn/build';
import { errorName, sdkRegion } from './clients.js';

/** The region given, else the environment's, else the one the SDK's chain finds in the profile. */
export async function regionOf(options: { region?: string | undefined; env?: Readonly<Record<string, string | undefined>> | undefined }): Promise<string | undefined> {
  const env = options.env ?? process.env;
  return options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? (await sdkRegion());
}

// Missing credentials (the provider chain found none), and credentials AWS refused (expired session
// or SSO token, an unknown key).
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError', 'TokenProviderError', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException',
  'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure',
]);

/** The login step AWS credentials need, in the one line every credentials error prints. */
export const AWS_LOGIN = 'aws sso login, or a profile (AWS_PROFILE) or access keys (AWS_ACCESS_KEY_ID)';

/** A credentials failure as one line naming the login step; any other error as it was. */
export function credentialsOr(error: unknown): unknown {
  const name = errorName(error);
  return name && CREDENTIAL_ERRORS.has(name) ? new CredentialsError('AWS', AWS_LOGIN, error) : error;
}
