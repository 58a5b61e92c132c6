/**
 * `rollback` on Google Cloud: a 2nd gen function is served by a Cloud Run service, and each deploy
 * makes a new revision of it; rolling back moves all traffic to an earlier ready revision through the
 * Cloud Run admin API (https://cloud.google.com/functions/docs/configuring/traffic-splitting).
 */
import type { protos as RunProtos } from '@google-cloud/run';
import { DeployOptionError } from 'onefn/build';
import {
  apiError, functionResource, functionsClient, GcpLifecycleError, importSdk, isNotFound, resolveAuth, restClientOptions, shortName, validateLifecycle, waitForOperation,
  type LifecycleOptions, type Operation,
} from './lifecycle.js';

export interface RollbackOptions extends LifecycleOptions {
  /** The revision to serve (`api-00002-xyz`, or its full name). Default: the newest ready revision older than the one serving now. */
  to?: string;
  /** Only say what would move; nothing that changes state is called. */
  dryRun?: boolean;
}

/** One revision's share of the traffic. */
export interface TrafficShare {
  readonly revision: string;
  readonly percent: number;
}

export interface RollbackResult {
  /** The function's id (stage suffix included). */
  readonly function: string;
  /** The Cloud Run service's full name. */
  readonly service: string;
  /** The revision serving (the most traffic) before, and the one serving everything after. */
  readonly from: string;
  readonly to: string;
  /** The traffic before, as Cloud Run reported it. */
  readonly before: readonly TrafficShare[];
  readonly dryRun: boolean;
  /** True when nothing had to move (`to` already served everything). */
  readonly unchanged: boolean;
}

type Service = RunProtos.google.cloud.run.v2.IService;
type Revision = RunProtos.google.cloud.run.v2.IRevision;

// The REST transport hands enums back as names; a client on gRPC would give numbers.
const READY_STATE = new Set<unknown>(['CONDITION_SUCCEEDED', 4]);
const LATEST = new Set<unknown>(['TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', 1]);

/** A revision is ready when its `Ready` condition has succeeded. */
function isReady(revision: Revision): boolean {
  return (revision.conditions ?? []).some((c) => c.type === 'Ready' && READY_STATE.has(c.state));
}

function seconds(revision: Revision): number {
  const t = revision.createTime;
  return t ? Number(t.seconds ?? 0) + Number(t.nanos ?? 0) / 1e9 : 0;
}

/** The traffic as it is (`trafficStatuses`), with "latest" resolved to the latest ready revision. */
function trafficOf(service: Service): TrafficShare[] {
  const statuses = service.trafficStatuses?.length ? service.trafficStatuses : (service.traffic ?? []);
  const latest = service.latestReadyRevision ? shortName(service.latestReadyRevision) : '';
  return statuses
    .map((s) => ({ revision: LATEST.has(s.type) || !s.revision ? latest : shortName(s.revision), percent: Number(s.percent ?? 0) }))
    .filter((s) => s.revision && s.percent > 0);
}

/**
 * Moves 100% of a function's traffic to the previous ready revision of its Cloud Run service (or
 * `to`). Reads the function (for its service), the service (for its traffic) and the revisions; with
 * `dryRun` it stops there. A later `deploy` puts all traffic back on the revision it makes.
 *
 * @example
 * const r = await rollback({ project: 'my-project', region: 'europe-west1', function: 'api' })
 * console.log(`${r.from} -> ${r.to}`)
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  validateLifecycle(options, ['to', 'dryRun']);
  if (options.to !== undefined && (typeof options.to !== 'string' || !/^[a-z0-9][a-z0-9/_-]{0,200}$/i.test(options.to))) throw new DeployOptionError('to', `must be a revision name such as api-00002-xyz, got ${JSON.stringify(String(options.to).slice(0, 80))}`);
  const progress = options.onProgress ?? (() => {});
  const dryRun = options.dryRun === true;
  const { v2 } = await importSdk('@google-cloud/run', () => import('@google-cloud/run'));
  const auth = await resolveAuth(options);
  const functions = await functionsClient(options, auth);
  const runOptions = restClientOptions(options, 'run', auth) as ConstructorParameters<typeof v2.ServicesClient>[0];
  const services = new v2.ServicesClient(runOptions);
  const revisions = new v2.RevisionsClient(runOptions);
  const id = options.function;
  try {
    let serviceName: string;
    try {
      const [fn] = await functions.getFunction({ name: functionResource(options) });
      serviceName = fn.serviceConfig?.service ?? '';
    } catch (error) {
      if (isNotFound(error)) throw new GcpLifecycleError('FUNCTION_NOT_FOUND', `no function ${id} in project ${options.project}, region ${options.region}`);
      throw apiError(`reading the function ${id}`, error);
    }
    // Only a 2nd gen function has a Cloud Run service, and so revisions to go back to.
    if (!serviceName) throw new GcpLifecycleError('NO_PREVIOUS_REVISION', `${id} has no Cloud Run service (is it a 1st gen function?); only 2nd gen functions have revisions to roll back to`);
    let service: Service;
    let all: Revision[];
    try {
      [service] = await services.getService({ name: serviceName });
      [all] = await revisions.listRevisions({ parent: serviceName });
    } catch (error) {
      throw apiError(`reading the revisions of ${shortName(serviceName)}`, error);
    }
    const before = trafficOf(service);
    const serving = [...before].sort((a, b) => b.percent - a.percent)[0];
    if (!serving) throw new GcpLifecycleError('NO_PREVIOUS_REVISION', `${id}: Cloud Run reports no revision serving traffic`);
    const from = serving.revision;
    const byName = new Map(all.map((r) => [shortName(r.name ?? ''), r]));
    let to: string;
    if (options.to !== undefined) {
      to = shortName(options.to);
      const wanted = byName.get(to);
      if (!wanted) throw new GcpLifecycleError('REVISION_NOT_FOUND', `${id} has no revision ${to}; it has ${[...byName.keys()].slice(0, 10).join(', ') || 'none'}`);
      if (!isReady(wanted)) throw new GcpLifecycleError('REVISION_NOT_FOUND', `revision ${to} of ${id} is not ready, so it cannot serve`);
    } else {
      const current = byName.get(from);
      const cutoff = current ? seconds(current) : Number.POSITIVE_INFINITY;
      const previous = all.filter((r) => isReady(r) && shortName(r.name ?? '') !== from && seconds(r) < cutoff).sort((a, b) => seconds(b) - seconds(a))[0];
      if (!previous) throw new GcpLifecycleError('NO_PREVIOUS_REVISION', `${id} has no ready revision older than ${from} to roll back to`);
      to = shortName(previous.name ?? '');
    }
    const unchanged = before.length === 1 && before[0]?.revision === to && before[0].percent === 100;
    if (unchanged) {
      progress(`${id}: ${to} already serves all traffic; nothing to move`);
      return { function: id, service: serviceName, from, to, before, dryRun, unchanged };
    }
    if (dryRun) {
      progress(`plan: ${id}: would move all traffic of ${shortName(serviceName)} ${from} -> ${to}`);
      return { function: id, service: serviceName, from, to, before, dryRun, unchanged };
    }
    progress(`${id}: moving all traffic of ${shortName(serviceName)} ${from} -> ${to}`);
    let op: Operation;
    try {
      [op] = (await services.updateService({
        service: { name: serviceName, traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: to, percent: 100 }] },
        updateMask: { paths: ['traffic'] },
      })) as unknown as [Operation];
    } catch (error) {
      throw apiError(`moving the traffic of ${shortName(serviceName)}`, error);
    }
    await waitForOperation(options, `moving the traffic of ${shortName(serviceName)}`, op, async (name) => (await services.checkUpdateServiceProgress(name)) as unknown as Operation);
    progress(`${id}: ${to} serves all traffic`);
    return { function: id, service: serviceName, from, to, before, dryRun, unchanged };
  } finally {
    await Promise.all([functions.close(), services.close(), revisions.close()].map((p) => p.catch(() => {})));
  }
}
