import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureLifecycleError, functionLogs, logsQuery, parseDuration, toLogLine } from '@onefn/azure/deploy';
import { LIFECYCLE_REPORT_KEYS } from 'onefn/cli';
import { logsCommand } from '../src/deploy/lifecycle-command.js';
import { COMPONENT_ID, credential, defaultState, fakeLifecycle, SUB, summary, where, type FakeState } from './fake-lifecycle.js';

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

const IKEY = '11111111-2222-3333-4444-555555555555';
const rows = [
  ['2026-12-07T10:00:00.000Z', 1, 'Executing \'Functions.hello\' (Reason=\'This function was programmatically called via the host APIs.\', Id=inv-1)', 'op-1', 'inv-1'],
  ['2026-12-07T10:00:00.120Z', 3, 'boom\nsecond line', 'op-1', ''],
  ['2026-12-07T10:00:01.000Z', 2, 'slow \u001b[31mred\u001b[0m', 'op-2', null],
];

async function start(extra: Partial<FakeState> = {}) {
  const fake = await fakeLifecycle(defaultState({
    settings: { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;ApplicationId=abc`, AzureWebJobsStorage: 'secret' },
    components: [
      { id: `/subscriptions/${SUB}/resourceGroups/other/providers/Microsoft.Insights/components/elsewhere`, ikey: '99999999-2222-3333-4444-555555555555' },
      { id: COMPONENT_ID, ikey: IKEY },
    ],
    logRows: rows,
    ...extra,
  }));
  running = fake.server;
  return fake;
}

const options = (base: string) => ({ ...where(base), logsEndpoint: `${base}/v1` });

describe('functionLogs against loopback ARM and Azure Monitor Logs', () => {
  it('finds the component by the app\'s instrumentation key and queries its AppTraces for the function', async () => {
    const fake = await start();
    const result = await functionLogs({ ...options(fake.base), function: 'hello', sinceMs: 900_000, limit: 50 });
    expect(summary(fake.calls)).toEqual([
      'POST /providers/Microsoft.Web/sites/acme-api/config/appsettings/list',
      'GET /resources',
      'GET /providers/Microsoft.Insights/components/acme-ai',
      'POST /v1/providers/Microsoft.Insights/components/acme-ai/query',
    ]);
    expect(new URLSearchParams(fake.calls[1]?.query).get('$filter')).toBe("resourceType eq 'Microsoft.Insights/components'");
    // The app's own resource group is tried first: the component elsewhere is never read.
    expect(fake.calls.some((c) => c.path.includes('/elsewhere'))).toBe(false);
    const query = JSON.parse(fake.calls[3]?.body ?? '{}');
    expect(query).toEqual({ query: logsQuery('acme-api', 'hello', 50), timespan: 'PT900S' });
    expect(query.query).toContain("| where AppRoleName =~ 'acme-api' and OperationName == 'hello'");
    expect(query.query).toContain('| top 50 by TimeGenerated desc');
    expect(fake.calls[3]?.path).toBe(`/v1${COMPONENT_ID}/query`);
    expect(fake.calls[3]?.auth).toBe('Bearer fake-token');
    expect(result.appInsights).toBe(COMPONENT_ID);
    expect(result.lines).toEqual([
      { time: '2026-12-07T10:00:00.000Z', level: 'info', message: rows[0]?.[2], requestId: 'inv-1' },
      { time: '2026-12-07T10:00:00.120Z', level: 'error', message: 'boom\nsecond line', requestId: 'op-1' },
      { time: '2026-12-07T10:00:01.000Z', level: 'warn', message: 'slow \u001b[31mred\u001b[0m', requestId: 'op-2' },
    ]);
  });

  it('a given component skips the lookup; without a function, every function of the app', async () => {
    const fake = await start();
    await functionLogs({ ...options(fake.base), appInsights: COMPONENT_ID });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /v1${COMPONENT_ID}/query`]);
    const body = JSON.parse(fake.calls[0]?.body ?? '{}');
    expect(body.timespan).toBe('PT3600S');
    expect(body.query).toContain("| where AppRoleName =~ 'acme-api'\n");
    expect(body.query).toContain('| top 100 by');
  });

  it.each([
    ['the app has no Application Insights connection', { settings: {} }, 'NO_APP_INSIGHTS', /sends no logs to Application Insights/],
    ['no component has its key', { components: [] }, 'NO_APP_INSIGHTS', /no Application Insights component/],
    ['the app is not there', { site: undefined }, 'APP_NOT_FOUND', /no function app acme-api/],
    ['the query is refused', { failLogs: { status: 403, code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access' } }, 'AZURE_API_ERROR', /query Application Insights acme-ai failed \(403.*\): The provided credentials have insufficient access/],
  ] as const)('%s: a typed error', async (_, state, code, message) => {
    const fake = await start(state as Partial<FakeState>);
    const error = await functionLogs(options(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureLifecycleError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('secret');
  });

  it.each([
    [{ function: "x' or 1==1 //" }, /"function"/],
    [{ limit: 0 }, /"limit"/],
    [{ limit: 10_001 }, /"limit"/],
    [{ sinceMs: 10 }, /"sinceMs"/],
    [{ appInsights: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/z' }, /"appInsights"/],
    [{ logsEndpoint: 'not a url' }, /logsEndpoint/],
  ] as const)('validates %j before any call', async (extra, message) => {
    const fake = await start();
    await expect(functionLogs({ ...options(fake.base), ...(extra as object) })).rejects.toThrow(message);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('log lines and durations', () => {
  it.each([
    [{ TimeGenerated: new Date('2026-12-07T10:00:00Z'), SeverityLevel: 0, Message: 'v', OperationId: 'o', InvocationId: 'i' }, { time: '2026-12-07T10:00:00.000Z', level: 'debug', message: 'v', requestId: 'i' }],
    [{ TimeGenerated: '2026-12-07T10:00:00Z', SeverityLevel: 4, Message: 'c', OperationId: 'o', InvocationId: '' }, { time: '2026-12-07T10:00:00.000Z', level: 'error', message: 'c', requestId: 'o' }],
    [{ TimeGenerated: '2026-12-07T10:00:00Z', SeverityLevel: null, Message: null, OperationId: '', InvocationId: null }, { time: '2026-12-07T10:00:00.000Z', level: null, message: '', requestId: null }],
    [{ TimeGenerated: '2026-12-07T10:00:00Z', SeverityLevel: 9, Message: 'odd', OperationId: null }, { time: '2026-12-07T10:00:00.000Z', level: null, message: 'odd', requestId: null }],
  ])('%j -> %j', (row, line) => {
    expect(toLogLine(row)).toEqual(line);
  });

  it.each([['30s', 30_000], ['15m', 900_000], ['2h', 7_200_000], ['1d', 86_400_000], ['0m', undefined], ['15', undefined], ['1w', undefined], ['-1h', undefined], ['1.5h', undefined]])('%s -> %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('a KQL string literal cannot be closed by the app name', () => {
    expect(logsQuery("a'b\\", undefined, 1)).toContain("AppRoleName =~ 'a\\'b\\\\'");
  });
});

describe('onefn logs azure', () => {
  it('text: one line per log line in the shared form, control characters shown; --json: the shared LogsReport', async () => {
    const fake = await start();
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: '/', env: { AZURE_SUBSCRIPTION_ID: SUB } };
    const overrides = { credential, armEndpoint: fake.base, allowInsecureConnection: true, logsEndpoint: `${fake.base}/v1` };
    expect(await logsCommand({ positionals: ['hello'], options: { app: 'acme-api', 'resource-group': 'rg', since: '15m', limit: '5' } }, io, overrides)).toBe(0);
    expect(out.join('')).toBe([
      "2026-12-07T10:00:00.000Z INFO  [inv-1] Executing 'Functions.hello' (Reason='This function was programmatically called via the host APIs.', Id=inv-1)",
      '2026-12-07T10:00:00.120Z ERROR [op-1] boom second line',
      '2026-12-07T10:00:01.000Z WARN  [op-2] slow \\x1b[31mred\\x1b[0m',
      '',
    ].join('\n'));
    expect(JSON.parse(fake.calls.at(-1)?.body ?? '{}')).toMatchObject({ timespan: 'PT900S' });
    expect(err).toEqual([]);
    out.length = 0;
    expect(await logsCommand({ positionals: ['acme-api'], options: { 'resource-group': 'rg', json: true } }, io, overrides)).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.logs]);
    expect(report).toMatchObject({ command: 'logs', provider: 'azure', function: 'acme-api', detail: { app: 'acme-api', appInsights: COMPONENT_ID } });
    expect(report.lines[2].message).toBe('slow \u001b[31mred\u001b[0m');
  });

  it('a bad --since is a usage error', async () => {
    const io = { stdout: () => {}, stderr: () => {}, cwd: '/', env: { AZURE_SUBSCRIPTION_ID: SUB } };
    await expect(logsCommand({ positionals: ['acme-api'], options: { 'resource-group': 'rg', since: 'yesterday' } }, io)).rejects.toThrow(/--since takes a duration/);
  });
});
