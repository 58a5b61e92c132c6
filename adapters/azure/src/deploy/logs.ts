/**
 * `onefn logs azure`: recent lines from Application Insights. The Kudu log stream is not an option on
 * the plans onefn deploys: Flex Consumption and Linux Consumption have no log stream, and the Functions
 * host sends its logs to Application Insights. The query runs through @azure/monitor-query-logs
 * (`queryResource`) against the app's Application Insights component, found by the instrumentation key
 * in the app's APPLICATIONINSIGHTS_CONNECTION_STRING setting, over the workspace table AppTraces.
 */
import { DeployOptionError } from 'onefn/build';
import type { LogLine } from 'onefn/cli';
import { AzureLifecycleError, credentialOf, endpoint, isNotFound, type LifecycleOptions, loopbackBearer, optionalPeer, stepper, validateLifecycle } from './lifecycle.js';

export interface LogsOptions extends LifecycleOptions {
  /** Only this function's lines (its operation name). Default: every function of the app. */
  function?: string | undefined;
  /** How far back, in ms. Default one hour. */
  sinceMs?: number | undefined;
  /** The most lines, the newest ones. Default 100, at most 10 000. */
  limit?: number | undefined;
  /** The Application Insights component's resource id. Default: the one the app's connection string names. */
  appInsights?: string | undefined;
  /** Azure Monitor Logs' base URL, version included. Default `https://api.loganalytics.io/v1`. */
  logsEndpoint?: string | undefined;
}

export interface LogsResult {
  readonly app: string;
  readonly function: string | undefined;
  /** Oldest first. */
  readonly lines: readonly LogLine[];
  /** The component queried. */
  readonly appInsights: string;
  /** The KQL query that ran. */
  readonly query: string;
}

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const COMPONENT_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/components\/[^/]+$/i;
const DEFAULT_SINCE = 3_600_000;
const MAX_LIMIT = 10_000;
const DAY = 86_400_000;

/** `onefn logs --since`: one parser on every provider (onefn/cli). */
export { parseDuration } from 'onefn/cli';

// Application Insights severityLevel: 0 Verbose, 1 Information, 2 Warning, 3 Error, 4 Critical.
const LEVELS = ['debug', 'info', 'warn', 'error', 'error'] as const;

/** A KQL string literal: the value cannot close it (https://learn.microsoft.com/kusto/query/scalar-data-types/string). */
const kql = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The query: the app's AppTraces (its cloud role is the app's name), newest `limit` of them, oldest first. */
export function logsQuery(app: string, fn: string | undefined, limit: number): string {
  return [
    'AppTraces',
    `| where AppRoleName =~ ${kql(app)}${fn ? ` and OperationName == ${kql(fn)}` : ''}`,
    '| project TimeGenerated, SeverityLevel, Message, OperationId, InvocationId = tostring(Properties.InvocationId)',
    `| top ${limit} by TimeGenerated desc`,
    '| order by TimeGenerated asc',
  ].join('\n');
}

/** One result row as the shared LogLine: severityLevel -> level, InvocationId (else operation_Id) -> requestId. */
export function toLogLine(row: Readonly<Record<string, unknown>>): LogLine {
  const t = row['TimeGenerated'];
  const time = t instanceof Date ? t.toISOString() : typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : String(t ?? '');
  const raw = row['SeverityLevel'];
  const severity = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d$/.test(raw) ? Number(raw) : NaN;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    time,
    level: Number.isInteger(severity) ? (LEVELS[severity] ?? null) : null,
    message: typeof row['Message'] === 'string' ? row['Message'] : row['Message'] == null ? '' : JSON.stringify(row['Message']),
    requestId: text(row['InvocationId']) ?? text(row['OperationId']),
  };
}

/** The instrumentation key in a connection string (`InstrumentationKey=...;IngestionEndpoint=...`). */
function instrumentationKey(settings: Readonly<Record<string, string>>): string | undefined {
  const connection = settings['APPLICATIONINSIGHTS_CONNECTION_STRING'];
  const fromConnection = connection?.split(';').map((p) => p.split('=')).find(([k]) => k?.trim().toLowerCase() === 'instrumentationkey')?.[1]?.trim();
  return fromConnection || settings['APPINSIGHTS_INSTRUMENTATIONKEY'] || undefined;
}

/**
 * Reads the app's (or one function's) recent log lines from Application Insights.
 *
 * @example
 * const { lines } = await functionLogs({ subscriptionId, resourceGroup: 'rg-api', app: 'acme-api', function: 'hello', sinceMs: 900_000 })
 */
export async function functionLogs(options: LogsOptions): Promise<LogsResult> {
  const c = validateLifecycle(options, ['function', 'sinceMs', 'limit', 'appInsights', 'logsEndpoint']);
  if (options.function !== undefined && (typeof options.function !== 'string' || !FUNCTION_NAME.test(options.function))) {
    throw new DeployOptionError('function', `must be a function name (a letter, then letters, digits, _ and -), got ${JSON.stringify(String(options.function).slice(0, 80))}`);
  }
  const sinceMs = options.sinceMs ?? DEFAULT_SINCE;
  if (typeof sinceMs !== 'number' || !Number.isInteger(sinceMs) || sinceMs < 1000 || sinceMs > 730 * DAY) throw new DeployOptionError('sinceMs', `must be from 1 s to 730 days in ms, got ${JSON.stringify(options.sinceMs)}`);
  const limit = options.limit ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new DeployOptionError('limit', `must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(options.limit)}`);
  if (options.appInsights !== undefined && (typeof options.appInsights !== 'string' || !COMPONENT_ID.test(options.appInsights))) {
    throw new DeployOptionError('appInsights', `must be an Application Insights resource id (/subscriptions/.../providers/Microsoft.Insights/components/<name>), got ${JSON.stringify(String(options.appInsights).slice(0, 120))}`);
  }
  const logsEndpoint = options.logsEndpoint === undefined ? undefined : endpoint('logsEndpoint', options.logsEndpoint, '', options.allowInsecureConnection);
  const progress = options.progress ?? (() => {});
  const step = stepper(progress);
  const { resourceGroup, subscriptionId } = options;
  const credential = await credentialOf(options);
  const clientOptions = { endpoint: c.armEndpoint, $host: c.armEndpoint, allowInsecureConnection: options.allowInsecureConnection };
  const [{ ResourceManagementClient }, { WebSiteManagementClient }, { LogsQueryClient }] = await Promise.all([
    import('@azure/arm-resources'), import('@azure/arm-appservice'), optionalPeer('@azure/monitor-query-logs', () => import('@azure/monitor-query-logs')),
  ]);

  let component = options.appInsights;
  if (component === undefined) {
    const resources = new ResourceManagementClient(credential, subscriptionId, clientOptions);
    const web = new WebSiteManagementClient(credential, subscriptionId, clientOptions);
    if (options.allowInsecureConnection) for (const client of [resources, web]) loopbackBearer(client, credential, `${c.armEndpoint}/.default`);
    // The settings hold secrets too: only the instrumentation key is read, and nothing is printed.
    const settings = await step(`read the app settings of ${c.app}`, async () => {
      try {
        return (await web.webApps.listApplicationSettings(resourceGroup, c.app)).properties ?? {};
      } catch (error) {
        if (isNotFound(error)) throw new AzureLifecycleError('APP_NOT_FOUND', `there is no function app ${c.app} in resource group ${resourceGroup}`, { cause: error });
        throw error;
      }
    }, true);
    const ikey = instrumentationKey(settings);
    if (!ikey) {
      throw new AzureLifecycleError('NO_APP_INSIGHTS', `${c.app} sends no logs to Application Insights (it has no APPLICATIONINSIGHTS_CONNECTION_STRING app setting): connect a component to the app (az monitor app-insights component connect-function), or pass its resource id`);
    }
    component = await step('find the Application Insights component', async () => {
      const ids: string[] = [];
      for await (const r of resources.resources.list({ filter: "resourceType eq 'Microsoft.Insights/components'" })) if (r.id) ids.push(r.id);
      // The app's own resource group first: that is where the portal and the CLI put its component.
      const rg = `/resourcegroups/${resourceGroup.toLowerCase()}/`;
      ids.sort((a, b) => Number(!a.toLowerCase().includes(rg)) - Number(!b.toLowerCase().includes(rg)));
      for (const id of ids) {
        // `/{resourceId}` in the operation's URL: the id goes without its leading slash.
        const r = await resources.resources.getById(id.replace(/^\/+/, ''), '2020-02-02');
        const key = (r.properties as { InstrumentationKey?: unknown } | undefined)?.InstrumentationKey;
        if (typeof key === 'string' && key.toLowerCase() === ikey.toLowerCase()) return id;
      }
      return undefined;
    }, true);
    if (!component) throw new AzureLifecycleError('NO_APP_INSIGHTS', `no Application Insights component in subscription ${subscriptionId} has the instrumentation key of ${c.app}'s connection string; pass the component's resource id`);
  }
  const query = logsQuery(c.app, options.function, limit);
  const client = new LogsQueryClient(credential, logsEndpoint ? { endpoint: logsEndpoint, allowInsecureConnection: options.allowInsecureConnection } : {});
  if (options.allowInsecureConnection) loopbackBearer(client, credential, 'https://api.loganalytics.io/.default');
  const found = component;
  const result = await step(`query Application Insights ${found.split('/').pop() ?? found}`, () => client.queryResource(found.replace(/^\/+/, ''), query, { duration: `PT${Math.round(sinceMs / 1000)}S` }), true);
  const tables = 'tables' in result ? result.tables : result.partialTables;
  if (!('tables' in result)) progress(`Application Insights answered in part: ${result.partialError?.message ?? 'some rows are missing'}`);
  const table = tables[0];
  const names = table?.columnDescriptors.map((col) => col.name ?? '') ?? [];
  const lines = (table?.rows ?? []).map((row) => toLogLine(Object.fromEntries(names.map((name, i) => [name, row[i]]))));
  return { app: c.app, function: options.function, lines, appInsights: found, query };
}
