import { OnefnError } from '../onefn/errors.js';

/**
 * A deploy found no usable credentials, or they have expired: one line naming the provider's login
 * step, never the SDK's own banner or stack. `cause` keeps the SDK's error.
 *
 * @example
 * throw new CredentialsError('Google Cloud', 'gcloud auth application-default login', error)
 */
export class CredentialsError extends OnefnError {
  readonly provider: string;
  constructor(provider: string, login: string, cause: unknown) {
    const said = ((cause as Error)?.message ?? String(cause)).split('\n')[0]?.split(/\.\s/)[0]?.slice(0, 160) ?? '';
    super('NO_CREDENTIALS', `no usable ${provider} credentials (${said.replace(/\.$/, '')}); log in with: ${login}`, { cause });
    this.name = 'CredentialsError';
    this.provider = provider;
  }
}
