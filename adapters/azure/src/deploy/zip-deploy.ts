import { KuduError } from './errors.js';

/**
 * Zip deploy through the app's Kudu (SCM) site. This is not an ARM operation, and no @azure/arm-*
 * client has it: Flex Consumption takes One Deploy (`POST /api/publish`), Consumption
 * `POST /api/zipdeploy?isAsync=true` (https://learn.microsoft.com/azure/azure-functions/deployment-zip-push).
 * So it stays one documented plain call, and its status is polled the way the Azure SDK's LRO poller
 * follows a `Location` operation: poll the URL the 202 named, take a newer `Location` when a poll gives
 * one, wait `Retry-After` seconds when the service asks, and stop on a terminal answer.
 */
export interface ZipDeployRequest {
  /** `<scm>/api/publish?RemoteBuild=false` or `<scm>/api/zipdeploy?isAsync=true`. */
  readonly url: string;
  /** Where Kudu keeps the latest deployment's status, when the 202 names no Location. */
  readonly fallbackStatusUrl: string;
  readonly zip: Uint8Array;
  /** An AAD bearer token for the SCM site (tokens for ARM are accepted there). */
  readonly token: () => Promise<string>;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly log: (line: string) => void;
}

/** Kudu's deployment status codes (https://github.com/projectkudu/kudu/wiki/REST-API): 3 failed, 4 succeeded. */
interface KuduStatus {
  status?: number;
  complete?: boolean;
  status_text?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function refusal(res: Response, what: string): Promise<KuduError> {
  const text = (await res.text().catch(() => '')).slice(0, 500);
  return new KuduError('KUDU_REFUSED', `${what} answered ${res.status}: ${text || res.statusText || 'no message'}`, res.status);
}

/** `Retry-After` in seconds (the form Kudu and ARM send), as milliseconds; undefined when absent or not a number. */
function retryAfter(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** Posts the zip, then polls its status until Kudu reports it complete. */
export async function zipDeploy(request: ZipDeployRequest): Promise<void> {
  const posted = await fetch(request.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await request.token()}`, 'content-type': 'application/zip' },
    body: request.zip as Uint8Array<ArrayBuffer>,
  });
  if (posted.status !== 202 && posted.status !== 200) throw await refusal(posted, 'the zip deploy');
  await posted.body?.cancel();
  // Only the SCM site's own origin gets the token: a Location elsewhere is refused, not followed.
  const origin = new URL(request.url).origin;
  const follow = (location: string, base: string): string => {
    const next = new URL(location, base);
    if (next.origin !== origin) throw new KuduError('KUDU_REFUSED', `Kudu answered with a Location on another host (${next.host})`);
    return next.toString();
  };
  let statusUrl = follow(posted.headers.get('location') ?? request.fallbackStatusUrl, request.url);
  const started = Date.now();
  for (;;) {
    const res = await fetch(statusUrl, { headers: { authorization: `Bearer ${await request.token()}` } });
    if (res.status !== 200 && res.status !== 202) throw await refusal(res, 'the deployment status');
    const status = (await res.json().catch(() => ({}))) as KuduStatus;
    if (status.status === 3) throw new KuduError('KUDU_DEPLOYMENT_FAILED', `the deployment failed: ${status.status_text || 'see the deployment log in Kudu'}`);
    // 200 with a complete status is terminal; 202 (or an incomplete 200) means still running.
    if (res.status === 200 && (status.status === 4 || status.complete === true)) return;
    const next = res.headers.get('location');
    if (next) statusUrl = follow(next, statusUrl);
    const wait = retryAfter(res) ?? request.pollIntervalMs;
    if (Date.now() - started + wait > request.pollTimeoutMs) {
      throw new KuduError('KUDU_TIMEOUT', `the deployment did not complete in ${request.pollTimeoutMs} ms (last status ${status.status ?? 'unknown'})`);
    }
    request.log(`deployment in progress (status ${status.status ?? 'unknown'})`);
    await sleep(wait);
  }
}
