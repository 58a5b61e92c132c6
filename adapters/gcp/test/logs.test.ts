import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logLineOf, logs, parseDuration, type LogsOptions } from '@onefn/gcp/deploy';
import { DeployOptionError } from 'onefn/build';
import { LIFECYCLE_REPORT_KEYS } from 'onefn/cli';
import { run } from '../../../test/cli/run.js';
import { fakeLifecycle, type FakeLifecycle } from './fake-lifecycle.js';
import { endpoints, fakeAuth, overrides } from './lifecycle-setup.js';

vi.mock('google-auth-library', async (original) => {
  const real = await original<typeof import('google-auth-library')>();
  class FakeAdc extends real.GoogleAuth {
    constructor(options?: ConstructorParameters<typeof real.GoogleAuth>[0]) {
      const client = new real.OAuth2Client();
      client.setCredentials({ access_token: 'adc-token', expiry_date: Date.now() + 3_600_000 });
      // A test's own GoogleAuth (with its authClient) is left as it is.
      super(options?.authClient ? options : { ...options, authClient: client });
    }
  }
  return { ...real, GoogleAuth: FakeAdc };
});

let google: FakeLifecycle;
beforeAll(async () => {
  google = await fakeLifecycle();
});
afterAll(() => google.close());

const NOW = Date.parse('2026-12-07T12:00:00Z');
const resource = { type: 'cloud_run_revision', labels: { service_name: 'api', location: 'europe-west1', revision_name: 'api-00002-bbb' } };

/** Entries as Cloud Logging's REST API returns them: the onefn sink's structured lines, a text line, a request log. */
function entries(): Array<Record<string, unknown>> {
  return [
    { logName: 'projects/my-project/logs/run.googleapis.com%2Fstdout', resource, timestamp: '2026-12-07T11:50:00.123Z', severity: 'INFO', jsonPayload: { message: 'order placed', orderId: 7 }, labels: { execution_id: 'exec-1' }, trace: 'projects/my-project/traces/abc123' },
    { logName: 'projects/my-project/logs/run.googleapis.com%2Fstderr', resource, timestamp: '2026-12-07T11:51:00Z', severity: 'ERROR', textPayload: 'TypeError: boom\n    at handler', trace: 'projects/my-project/traces/def456' },
    { logName: 'projects/my-project/logs/run.googleapis.com%2Fstdout', resource, timestamp: '2026-12-07T11:49:00Z', textPayload: 'cold start' },
    { logName: 'projects/my-project/logs/run.googleapis.com%2Frequests', resource, timestamp: '2026-12-07T11:52:00Z', severity: 'WARNING', httpRequest: { requestMethod: 'GET', requestUrl: 'https://api-abc.a.run.app/x', status: 404, latency: '0.012s' } },
    { logName: 'projects/my-project/logs/run.googleapis.com%2Fstdout', resource, timestamp: '2026-12-07T11:53:00Z', severity: 'DEBUG', jsonPayload: { note: 'no message field' } },
  ];
}

beforeEach(() => {
  google.reset();
  google.entries = entries();
});

const base = (extra: Partial<LogsOptions> = {}): LogsOptions => ({ project: 'my-project', region: 'europe-west1', function: 'api', auth: fakeAuth(), endpoints: endpoints(google), now: () => NOW, ...extra });

const EXPECTED = [
  { time: '2026-12-07T11:49:00.000Z', level: null, message: 'cold start', requestId: null },
  { time: '2026-12-07T11:50:00.123Z', level: 'info', message: 'order placed', requestId: 'exec-1' },
  { time: '2026-12-07T11:51:00.000Z', level: 'error', message: 'TypeError: boom\n    at handler', requestId: 'def456' },
  { time: '2026-12-07T11:52:00.000Z', level: 'warn', message: 'GET https://api-abc.a.run.app/x 404 12ms', requestId: null },
  { time: '2026-12-07T11:53:00.000Z', level: 'debug', message: '{"note":"no message field"}', requestId: null },
];

describe('logs from Cloud Logging', () => {
  it('asks entries.list for the service since --since, newest first, and hands back LogLines oldest first', async () => {
    const result = await logs(base({ sinceMs: 15 * 60_000 }));
    expect(google.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v2/entries:list']);
    const filter = 'resource.type = "cloud_run_revision" AND resource.labels.service_name = "api" AND resource.labels.location = "europe-west1" AND timestamp >= "2026-12-07T11:45:00.000Z"';
    expect(google.calls[0]?.body).toEqual({ resourceNames: ['projects/my-project'], filter, orderBy: 'timestamp desc', pageSize: 100 });
    expect(google.calls[0]?.auth).toBe('Bearer fake-token');
    expect(result).toEqual({ function: 'api', filter, lines: EXPECTED });
  });

  it('--limit keeps the newest lines, paging newest first until it has them', async () => {
    google.entries = Array.from({ length: 2500 }, (_, i) => ({ resource, timestamp: new Date(NOW - (2500 - i) * 1000).toISOString(), severity: 'INFO', textPayload: `line ${i}` }));
    const result = await logs(base({ limit: 1200 }));
    expect(google.calls.map((c) => [(c.body as { pageSize: number }).pageSize, (c.body as { pageToken?: string }).pageToken ?? ''])).toEqual([[1000, ''], [200, '1000']]);
    expect(result.lines).toHaveLength(1200);
    expect(result.lines[0]?.message).toBe('line 1300');
    expect(result.lines.at(-1)?.message).toBe('line 2499');
  });

  it('a function id is lower-cased into the service name and quoted safely', async () => {
    const result = await logs(base({ function: 'Api_v2' }));
    expect(result.filter).toContain('resource.labels.service_name = "api_v2"');
  });

  it('maps every severity', () => {
    const level = (severity: unknown) => logLineOf({ severity: severity as string, textPayload: 'x' }).level;
    expect(['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY', 400, undefined, 'BOGUS', '__proto__'].map(level)).toEqual([
      null, 'debug', 'info', 'info', 'warn', 'error', 'error', 'error', 'error', 'warn', null, null, null,
    ]);
  });

  it('parses durations; bad options are typed errors that call nothing', async () => {
    expect(['30s', '15m', '2h', '1d', '15', '-1m', '1w', '', '1e3m'].map(parseDuration)).toEqual([30_000, 900_000, 7_200_000, 86_400_000, undefined, undefined, undefined, undefined, undefined]);
    for (const bad of [{ limit: 0 }, { limit: 10_001 }, { limit: 1.5 }, { sinceMs: 10 }, { function: 'a b' }]) {
      await expect(logs(base(bad))).rejects.toBeInstanceOf(DeployOptionError);
    }
    expect(google.calls).toEqual([]);
  });

  it('an API refusal is one typed error with the API message', async () => {
    google.refuse = { path: 'entries:list', message: "Permission 'logging.logEntries.list' denied" };
    await expect(logs(base())).rejects.toMatchObject({ name: 'GcpLifecycleError', code: 'GOOGLE_API_ERROR', message: "reading the logs of api failed: Permission 'logging.logEntries.list' denied" });
  });
});

describe('onefn logs gcp', () => {
  const env = () => ({ ...overrides(google), GOOGLE_CLOUD_PROJECT: 'my-project', GOOGLE_CLOUD_REGION: 'europe-west1' });

  it('prints one formatted line per entry, oldest first, with newlines flattened', async () => {
    const res = await run(['logs', 'gcp', 'api', '--since', '1d', '--limit', '10'], { env: env() });
    expect([res.code, res.err]).toEqual([0, '']);
    expect(res.out.split('\n')).toEqual([
      '2026-12-07T11:49:00.000Z -     cold start',
      '2026-12-07T11:50:00.123Z INFO  [exec-1] order placed',
      '2026-12-07T11:51:00.000Z ERROR [def456] TypeError: boom     at handler',
      '2026-12-07T11:52:00.000Z WARN  GET https://api-abc.a.run.app/x 404 12ms',
      '2026-12-07T11:53:00.000Z DEBUG {"note":"no message field"}',
      '',
    ]);
    expect((google.calls[0]?.body as { pageSize: number }).pageSize).toBe(10);
  });

  it('--json prints the shared logs report', async () => {
    const res = await run(['logs', 'gcp', '--function', 'api', '--stage', 'prod', '--json'], { env: env() });
    const report = JSON.parse(res.out) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.logs]);
    // The stage goes into the service name, as deploy names it; the fake's entries are for "api".
    expect(report).toMatchObject({ schema: 1, command: 'logs', provider: 'gcp', stage: 'prod', function: 'api-prod', lines: EXPECTED, detail: { project: 'my-project', region: 'europe-west1' } });
    expect((google.calls[0]?.body as { filter: string }).filter).toContain('service_name = "api-prod"');
  });

  it('control characters a function printed are shown, not sent to the terminal; --json keeps them', async () => {
    google.entries = [{ resource, timestamp: '2026-12-07T11:50:00Z', severity: 'INFO', textPayload: 'red \u001b[31mALERT\u001b[0m bell\u0007', labels: { execution_id: 'e\u001b]0;x' } }];
    const text = await run(['logs', 'gcp', 'api'], { env: env() });
    expect(text.out).toBe('2026-12-07T11:50:00.000Z INFO  [e\\x1b]0;x] red \\x1b[31mALERT\\x1b[0m bell\\x07\n');
    const json = await run(['logs', 'gcp', 'api', '--json'], { env: env() });
    expect((JSON.parse(json.out) as { lines: Array<{ message: string }> }).lines[0]?.message).toBe('red \u001b[31mALERT\u001b[0m bell\u0007');
  });

  it('a bad --since or --limit is a usage error', async () => {
    expect(await run(['logs', 'gcp', 'api', '--since', 'yesterday'], { env: env() })).toMatchObject({ code: 2, err: 'onefn: --since takes a duration such as 30s, 15m, 2h or 1d, up to 30d; got "yesterday"\n' });
    expect(await run(['logs', 'gcp', 'api', '--limit', 'ten'], { env: env() })).toMatchObject({ code: 2, err: 'onefn: --limit must be a whole number, got "ten"\n' });
    expect(google.calls).toEqual([]);
  });
});
