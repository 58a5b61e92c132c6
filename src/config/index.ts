/**
 * `onefn/config`: the project configuration, `onefn.config.ts` (or a `onefn` key in package.json).
 * It holds the entry, per-provider settings and named stages. Flags override the config, which
 * overrides the environment (AWS_REGION, GOOGLE_CLOUD_PROJECT, AZURE_SUBSCRIPTION_ID...).
 *
 * Each provider section takes the settings of that provider's `build`/`deploy`/`rollback` flags, in
 * camelCase (`--service-account` is `serviceAccount`); the `onefn` command checks them against the
 * adapter's own flags, so an unknown or misspelt setting fails before anything runs.
 *
 * @example
 * // onefn.config.ts
 * import { defineConfig } from 'onefn/config';
 * export default defineConfig({
 *   entry: 'src/api.ts',
 *   aws: { region: 'eu-west-1', createRole: true },
 *   gcp: { project: 'my-project', region: 'europe-west1' },
 *   azure: { resourceGroup: 'rg', location: 'westeurope', app: 'my-api' },
 *   stages: { prod: { aws: { memory: 1024 } } },
 * });
 */

/** Settings for `onefn build|deploy|rollback aws`. */
export interface AwsSettings {
  readonly region?: string;
  readonly role?: string;
  readonly createRole?: boolean;
  readonly runtime?: string;
  readonly memory?: number;
  readonly timeout?: number;
  readonly alias?: string;
  readonly httpEvents?: 'v2' | 'all';
  readonly endpointUrl?: string;
}

/** Settings for `onefn build|deploy gcp`. */
export interface GcpSettings {
  readonly project?: string;
  readonly region?: string;
  readonly runtime?: string;
  readonly memory?: number;
  readonly timeout?: number;
  readonly maxInstances?: number;
  readonly serviceAccount?: string;
  readonly routedName?: string;
}

/** Settings for `onefn build|deploy azure`. */
export interface AzureSettings {
  readonly subscription?: string;
  readonly resourceGroup?: string;
  readonly location?: string;
  readonly app?: string;
  readonly storageAccount?: string;
  readonly plan?: 'flex' | 'consumption';
  readonly node?: '20' | '22';
  readonly functionTimeout?: number;
  readonly messaging?: 'storageQueue' | 'serviceBus';
  /** The Service Bus namespace deploy ensures the app's queues, topics and subscriptions in (`--service-bus`). */
  readonly serviceBus?: string;
  readonly serviceBusResourceGroup?: string;
}

/** What a stage changes: any provider setting. */
export interface StageConfig {
  readonly aws?: AwsSettings;
  readonly gcp?: GcpSettings;
  readonly azure?: AzureSettings;
}

export interface OnefnConfig extends StageConfig {
  /** The module whose exports are the functions; the commands' `<entry>` when it is left out. */
  readonly entry?: string;
  /**
   * Named stages, chosen with `--stage <name>`: each overrides the provider settings above, and its
   * name goes into every resource name (`api` becomes `api-prod`), so two stages never collide.
   * Names: 1-16 lower-case letters and digits, starting with a letter.
   */
  readonly stages?: Readonly<Record<string, StageConfig>>;
}

/**
 * Types a project configuration; returns it unchanged.
 *
 * @example
 * export default defineConfig({ entry: 'src/api.ts', aws: { region: 'eu-west-1' } })
 */
export function defineConfig(config: OnefnConfig): OnefnConfig {
  return config;
}
