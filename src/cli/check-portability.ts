import type { Definition } from '../onefn/definition.js';
import type { FunctionPlan } from '../runtime/plan.js';

/** The providers `onefn check` compares. */
export const CHECK_PROVIDERS = ['aws', 'gcp', 'azure'] as const;
export type CheckProvider = (typeof CHECK_PROVIDERS)[number];

/**
 * One option a provider cannot honour as written. A `blocker` would deploy differently, or not at all,
 * on that provider (and fails the check); a `note` is worth knowing but changes no answer.
 */
export interface PortabilityFinding {
  readonly function: string;
  readonly provider: CheckProvider;
  readonly severity: 'blocker' | 'note';
  /** The definition option at fault: `timeZone`, `schedule`, `ordered`, `timeout`, `memory`, `bodyLimit`, `env`, `trigger`. */
  readonly option: string;
  readonly message: string;
}

const MB = 1024 * 1024;

/**
 * Each provider's ceilings, as onefn deploys to it. Sources:
 * - Lambda: timeout 900 s, memory 128-10,240 MB, 6 MB synchronous payload (the event, with a body
 *   base64-encoded when it is binary), 4 KB of environment
 *   (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 * - Cloud Functions 2nd gen: HTTP 3,600 s, event-driven 540 s
 *   (https://cloud.google.com/functions/docs/configuring/timeout); memory up to 32 GiB; HTTP requests
 *   up to 32 MB (https://cloud.google.com/functions/quotas).
 * - Azure Functions: Flex Consumption instances have 2,048 or 4,096 MB for the whole app (the
 *   instanceMemoryMB setting); HTTP requests up to 100 MB, and an HTTP answer must come within 230 s,
 *   the load balancer's idle timeout, whatever functionTimeout says
 *   (https://learn.microsoft.com/azure/azure-functions/functions-scale#service-limits).
 */
const LIMITS = {
  aws: { httpTimeout: 900, eventTimeout: 900, memory: 10_240, body: 6 * MB },
  gcp: { httpTimeout: 3_600, eventTimeout: 540, memory: 32_768, body: 32 * MB },
  azure: { httpTimeout: 230, eventTimeout: 4 * 3_600, memory: 4_096, body: 100 * MB },
} as const satisfies Record<CheckProvider, { httpTimeout: number; eventTimeout: number; memory: number; body: number }>;

const AWS_ENV_BYTES = 4 * 1024;

// Variables each platform sets itself; a definition's value for them never reaches the function.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
const AWS_RESERVED = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
// https://cloud.google.com/run/docs/configuring/services/overview-environment-variables#reserved; onefn
// itself sets NODE_ENV=production and GOOGLE_CLOUD_PROJECT there.
const GCP_RESERVED = new Set(['FUNCTION_TARGET', 'FUNCTION_SIGNATURE_TYPE', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'PORT', 'GOOGLE_CLOUD_PROJECT']);
// App settings the Functions host and onefn's deploy own.
const AZURE_RESERVED = new Set(['AzureWebJobsStorage', 'FUNCTIONS_EXTENSION_VERSION', 'FUNCTIONS_WORKER_RUNTIME', 'WEBSITE_NODE_DEFAULT_VERSION', 'DEPLOYMENT_STORAGE_CONNECTION_STRING', 'WEBSITE_TIME_ZONE']);

const definitionsOf = (plan: FunctionPlan): readonly Definition[] => (plan.kind === 'http' ? plan.definitions : [plan.definition]);

function scheduleFindings(plan: FunctionPlan, out: PortabilityFinding[]): void {
  if (plan.kind !== 'schedule' || plan.definition.kind !== 'schedule') return;
  const { timeZone, schedule } = plan.definition.trigger;
  const add = (provider: CheckProvider, option: string, message: string): void => void out.push({ function: plan.name, provider, severity: 'blocker', option, message });
  if (timeZone !== 'UTC') {
    // Cloud Scheduler takes a time zone, and so does EventBridge Scheduler, through which onefn deploys
    // an AWS schedule that has one; Azure reads WEBSITE_TIME_ZONE only on Windows plans, and onefn
    // deploys to Linux (Flex Consumption or Linux Consumption).
    add('azure', 'timeZone', `runs in ${timeZone}, but Linux plans run timers in UTC only (WEBSITE_TIME_ZONE needs a Windows plan); write the schedule in UTC`);
  }
  const [, , dayOfMonth, , dayOfWeek] = schedule.fields;
  if (dayOfMonth !== '*' && dayOfWeek !== '*') {
    // Unix cron (Cloud Scheduler) runs when either day field matches. EventBridge needs one of them
    // to be "?"; NCRONTAB runs only when both match.
    add('aws', 'schedule', `"${schedule.expression}" restricts both day-of-month and day-of-week; EventBridge cron takes one of them only`);
    add('azure', 'schedule', `"${schedule.expression}" restricts both day fields: Cloud Scheduler runs when either matches, Azure's NCRONTAB only when both do`);
  }
}

/** What the project deploys with, where it changes what a provider honours. */
export interface PortabilityOptions {
  /** How Azure carries queues (the config's `azure.messaging`). Default: Storage queues. */
  readonly azureMessaging?: 'storageQueue' | 'serviceBus';
}

function triggerFindings(plan: FunctionPlan, out: PortabilityFinding[], options: PortabilityOptions): void {
  if (plan.kind === 'cloudevent') {
    out.push({ function: plan.name, provider: 'gcp', severity: 'blocker', option: 'trigger', message: 'a generic CloudEvent definition has no Eventarc trigger onefn can derive (it needs an event type and provider); onefn deploy gcp refuses it' });
  }
  if (plan.kind === 'message' && plan.definition.kind === 'message' && plan.definition.trigger.type === 'topic') {
    out.push({ function: plan.name, provider: 'azure', severity: 'note', option: 'trigger', message: `topic ${plan.definition.trigger.name} becomes a Service Bus topic subscription: onefn deploy azure needs its namespace (--service-bus), or a connection string app setting` });
  }
  if (plan.kind === 'message' && plan.definition.kind === 'message' && plan.definition.trigger.ordered) {
    const { name } = plan.definition.trigger;
    // SQS keeps order only in FIFO queues; Pub/Sub pushes and the Functions host invoke one message at a
    // time, with no order kept (Eventarc subscriptions have no message ordering; Storage queues none).
    if (!name.endsWith('.fifo')) out.push({ function: plan.name, provider: 'aws', severity: 'blocker', option: 'ordered', message: `${name} is not a FIFO queue (its name would end in .fifo); a standard queue keeps no order` });
    const unordered = 'messages arrive one per invocation, in no guaranteed order: a failure cannot hold back the messages after it';
    out.push({ function: plan.name, provider: 'gcp', severity: 'blocker', option: 'ordered', message: unordered });
    // With Service Bus, onefn deploys the queue with sessions and binds the consumer with
    // isSessionsEnabled: each session (a send's groupId) arrives in order, as an SQS FIFO group does.
    if (options.azureMessaging === 'serviceBus') {
      out.push({ function: plan.name, provider: 'azure', severity: 'note', option: 'ordered', message: `${name} becomes a Service Bus queue with sessions: order holds per groupId, and every send to it needs one` });
    } else {
      out.push({ function: plan.name, provider: 'azure', severity: 'blocker', option: 'ordered', message: `${unordered} (Storage queues; messaging: 'serviceBus' keeps order per session)` });
    }
  }
  if (plan.kind === 'schedule') {
    out.push({ function: plan.name, provider: 'gcp', severity: 'note', option: 'trigger', message: 'Cloud Scheduler calls the function as a service account: deploy with --service-account' });
  }
}

function limitFindings(plan: FunctionPlan, out: PortabilityFinding[]): void {
  const { timeout, memory, env } = plan.settings;
  const isHttp = plan.kind === 'http';
  for (const provider of CHECK_PROVIDERS) {
    const limit = LIMITS[provider];
    const add = (option: string, message: string): void => void out.push({ function: plan.name, provider, severity: 'blocker', option, message });
    // GCP deploys a schedule as an HTTP function that Cloud Scheduler calls.
    const maxTimeout = isHttp || (provider === 'gcp' && plan.kind === 'schedule') ? limit.httpTimeout : limit.eventTimeout;
    if (timeout !== undefined && timeout > maxTimeout) add('timeout', `${timeout} s is over the ${maxTimeout} s ${provider === 'azure' && isHttp ? 'an HTTP answer may take (the load balancer gives up)' : `${isHttp ? 'HTTP' : 'event'} functions may run`}`);
    if (memory !== undefined && memory > limit.memory) add('memory', `${memory} MB is over the ${limit.memory} MB ${provider === 'azure' ? 'a Flex Consumption instance has' : 'a function may have'}`);
    if (isHttp) {
      for (const def of plan.definitions) {
        if (def.trigger.bodyLimit > limit.body) add('bodyLimit', `${def.trigger.route?.pattern ?? '/'} accepts bodies up to ${def.trigger.bodyLimit} bytes, but requests over ${limit.body} bytes never reach the function`);
      }
    }
  }
  if (memory !== undefined) {
    out.push({ function: plan.name, provider: 'azure', severity: 'note', option: 'memory', message: 'memory is set per app (the instance size), not per function; onefn deploy azure leaves it at the plan default' });
  }
  const names = Object.keys(env ?? {});
  const reserved = (provider: CheckProvider, set: ReadonlySet<string>, also?: (n: string) => boolean): void => {
    const hit = names.filter((n) => set.has(n) || also?.(n));
    if (hit.length) out.push({ function: plan.name, provider, severity: 'blocker', option: 'env', message: `${hit.join(', ')} ${hit.length > 1 ? 'are' : 'is'} set by the platform or onefn; the definition's value never reaches the function` });
  };
  reserved('aws', AWS_RESERVED);
  reserved('gcp', GCP_RESERVED, (n) => n.startsWith('X_GOOGLE_') || (n === 'NODE_ENV' && env?.[n] !== 'production'));
  reserved('azure', AZURE_RESERVED);
  // onefn deploy azure (dc7a379) sets only the app settings it needs itself, never a definition's env.
  if (names.length) out.push({ function: plan.name, provider: 'azure', severity: 'blocker', option: 'env', message: `onefn deploy azure does not turn a definition's env (${names.join(', ')}) into app settings; the function would not see it` });
  const bytes = Object.entries(env ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > AWS_ENV_BYTES) out.push({ function: plan.name, provider: 'aws', severity: 'blocker', option: 'env', message: `the environment is ${bytes} bytes; Lambda allows ${AWS_ENV_BYTES} in all` });
}

/**
 * Azure app settings are shared by every function of the app onefn deploys a module to: two functions
 * that set one variable to different values cannot both have theirs.
 */
function sharedEnvFindings(plans: readonly FunctionPlan[], out: PortabilityFinding[]): void {
  const seen = new Map<string, { fn: string; value: string }>();
  for (const plan of plans) {
    for (const [name, value] of Object.entries(plan.settings.env ?? {})) {
      const prior = seen.get(name);
      if (!prior) seen.set(name, { fn: plan.name, value });
      else if (prior.value !== value) {
        out.push({ function: plan.name, provider: 'azure', severity: 'blocker', option: 'env', message: `${name} differs from ${prior.fn}'s, but app settings are shared by every function of the app` });
      }
    }
  }
}

/** Every option of the module's functions that some provider cannot honour, in plan order. */
export function portabilityFindings(plans: readonly FunctionPlan[], options: PortabilityOptions = {}): PortabilityFinding[] {
  const out: PortabilityFinding[] = [];
  for (const plan of plans) {
    if (!definitionsOf(plan).length) continue;
    scheduleFindings(plan, out);
    triggerFindings(plan, out, options);
    limitFindings(plan, out);
  }
  sharedEnvFindings(plans, out);
  return out;
}
