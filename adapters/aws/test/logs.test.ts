import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeployOptionError } from 'onefn/build';
import { formatLogLine, LIFECYCLE_REPORT_KEYS, runCli } from 'onefn/cli';
import { durationMs, logs, type LogsOptions } from '@onefn/aws/deploy';
import { parseLambdaLog, terminalSafe } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const RID = '8f5f8a2e-3b6b-4a4e-9a57-0c6a1b1c1d1e';

describe('Lambda log lines -> LogLine', () => {
  it.each([
    ['a console line in the text format', `2026-12-07T12:00:00.000Z\t${RID}\tINFO\torder 42 placed\n`, { level: 'info', message: 'order 42 placed', requestId: RID }],
    ['a console error, tabs kept', `2026-12-07T12:00:00.000Z\t${RID}\tERROR\tInvoke Error \t{"errorType":"Error"}\n`, { level: 'error', message: 'Invoke Error \t{"errorType":"Error"}', requestId: RID }],
    ['a line logged at init (request id "undefined")', '2026-12-07T12:00:00.000Z\tundefined\tWARN\tcold\n', { level: 'warn', message: 'cold', requestId: null }],
    ['START', `START RequestId: ${RID} Version: $LATEST\n`, { level: null, message: `START RequestId: ${RID} Version: $LATEST`, requestId: RID }],
    ['END', `END RequestId: ${RID}\n`, { level: null, message: `END RequestId: ${RID}`, requestId: RID }],
    ['REPORT', `REPORT RequestId: ${RID}\tDuration: 2.56 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n`, { level: null, message: `REPORT RequestId: ${RID} Duration: 2.56 ms Billed Duration: 3 ms Memory Size: 128 MB Max Memory Used: 70 MB`, requestId: RID }],
    ['INIT_START', 'INIT_START Runtime Version: nodejs:22.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc\n', { level: null, message: 'INIT_START Runtime Version: nodejs:22.v40 Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:abc', requestId: null }],
    ['the JSON format', `{"timestamp":"2026-12-07T12:00:00.000Z","level":"DEBUG","requestId":"${RID}","message":"cache miss"}`, { level: 'debug', message: 'cache miss', requestId: RID }],
    ['a JSON message that is an object', `{"timestamp":"2026-12-07T12:00:00.000Z","level":"INFO","requestId":"${RID}","message":{"n":1}}`, { level: 'info', message: '{"n":1}', requestId: RID }],
    ['onefn\'s logger, fields kept', `{"timestamp":"2026-12-07T12:00:00.000Z","level":"WARN","requestId":"${RID}","message":"slow","route":"/orders","ms":812}\n`, { level: 'warn', message: 'slow {"route":"/orders","ms":812}', requestId: RID }],
    ['a JSON platform.start', `{"time":"2026-12-07T12:00:00.000Z","type":"platform.start","record":{"requestId":"${RID}","version":"$LATEST"}}`, { level: null, message: 'start version $LATEST', requestId: RID }],
    ['a JSON platform.report', `{"time":"2026-12-07T12:00:00.000Z","type":"platform.report","record":{"requestId":"${RID}","metrics":{"durationMs":2.5,"billedDurationMs":3},"status":"success"}}`, { level: null, message: 'report durationMs 2.5, billedDurationMs 3, status success', requestId: RID }],
    ['a FATAL level', `{"timestamp":"x","level":"FATAL","message":"down"}`, { level: 'error', message: 'down', requestId: null }],
    ['a plain line', 'hello from process.stdout\n', { level: null, message: 'hello from process.stdout', requestId: null }],
    ['a line that only starts with a brace', '{not json\n', { level: null, message: '{not json', requestId: null }],
    ['JSON that is no log record', '[1,2]', { level: null, message: '[1,2]', requestId: null }],
    ['JSON with neither message nor level', '{"a":1}', { level: null, message: '{"a":1}', requestId: null }],
  ])('%s', (_, message, expected) => {
    expect(parseLambdaLog({ timestamp: T0, message })).toEqual({ time: at(0), ...expected });
  });

  it('hostile lines: a __proto__ field stays a field, a 1 MB line parses in one piece', () => {
    const line = parseLambdaLog({ timestamp: T0, message: '{"level":"INFO","message":"x","__proto__":{"polluted":true}}' });
    expect(line).toEqual({ time: at(0), level: 'info', message: 'x {"__proto__":{"polluted":true}}', requestId: null });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const big = 'a\t'.repeat(500_000);
    expect(parseLambdaLog({ timestamp: T0, message: `2026-12-07T12:00:00.000Z\t${RID}\tINFO\t${big}` }).message).toHaveLength(big.length);
  });

  it('an event with no timestamp or message still makes a line', () => {
    expect(parseLambdaLog({})).toEqual({ time: '1970-01-01T00:00:00.000Z', level: null, message: '', requestId: null });
    expect(parseLambdaLog({ timestamp: Number.NaN, message: 'x' }).time).toBe('1970-01-01T00:00:00.000Z');
  });

  it('a message cannot forge a line or drive the terminal once made safe and formatted', () => {
    const evil = `done\r\n2026-12-07T12:00:01.000Z INFO  [forged] all good\x1b[2K\x1b]0;title\x07\u009b31m\u2028end`;
    const text = formatLogLine({ time: at(0), level: 'info', message: terminalSafe(evil), requestId: RID });
    expect(text.split(/\r|\n|\u2028|\u2029/)).toHaveLength(1);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toBe(`${at(0)} INFO  [${RID}] done 2026-12-07T12:00:01.000Z INFO  [forged] all good\\x1b[2K\\x1b]0;title\\x07\\x9b31m\\u2028end`);
  });
});

describe('--since', () => {
  it.each([['30s', 30_000], ['15m', 900_000], ['2h', 7_200_000], ['1d', 86_400_000], ['30d', 2_592_000_000]])('%s', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
  it.each(['', '0m', '15', 'm', '1.5h', '-1h', '31d', '1w', '15 m', '1h30m', `${'9'.repeat(20)}s`])('refuses %j', (text) => {
    expect(() => durationMs(text)).toThrow(DeployOptionError);
  });
});

describe('logs against a loopback CloudWatch Logs', () => {
  let aws: FakeAws;
  const run = (overrides: Partial<LogsOptions> = {}) =>
    logs({
      function: 'api',
      region: 'us-east-1',
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
      now: () => T0 + 3_600_000,
      env: {},
      ...overrides,
    });

  beforeEach(async () => {
    aws = await new FakeAws().start();
    aws.functions.set('api', { config: { FunctionName: 'api', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api' }, versions: [], aliases: new Map(), urls: new Map(), policy: new Map(), busy: 0, tags: {} });
    aws.logs.groups.set('/aws/lambda/api', [
      { timestamp: T0 - 1000, message: 'too old\n' },
      { timestamp: T0, message: `START RequestId: ${RID} Version: 3\n` },
      { timestamp: T0 + 1, message: `2026-12-07T12:00:00.001Z\t${RID}\tINFO\tone\n` },
      { timestamp: T0 + 2, message: `{"timestamp":"2026-12-07T12:00:00.002Z","level":"ERROR","requestId":"${RID}","message":"two"}\n` },
      { timestamp: T0 + 3, message: `END RequestId: ${RID}\n` },
    ]);
  });
  afterEach(async () => {
    await aws.stop();
  });

  it('reads every page of the window from /aws/lambda/<name>, oldest first', async () => {
    const result = await run({ since: '1h' });
    expect(aws.ops()).toEqual(['GetFunctionConfiguration', 'FilterLogEvents', 'FilterLogEvents']);
    expect(aws.calls.filter((c) => c.op === 'FilterLogEvents').map((c) => c.input)).toEqual([
      { logGroupName: '/aws/lambda/api', startTime: T0, limit: 100 },
      { logGroupName: '/aws/lambda/api', startTime: T0, limit: 100, nextToken: '2' },
    ]);
    expect(result.lines.map((l) => [l.level, l.message])).toEqual([[null, `START RequestId: ${RID} Version: 3`], ['info', 'one'], ['error', 'two'], [null, `END RequestId: ${RID}`]]);
    expect(result).toMatchObject({ logGroup: '/aws/lambda/api', since: at(0), truncated: false });
  });

  it('--limit keeps the most recent lines and says the rest were left out', async () => {
    const result = await run({ limit: 2 });
    expect(result.lines.map((l) => l.message)).toEqual(['two', `END RequestId: ${RID}`]);
    expect(result.truncated).toBe(true);
  });

  it('reads the log group the function\'s logging configuration names', async () => {
    aws.functions.get('api')!.config['LoggingConfig'] = { LogFormat: 'JSON', LogGroup: '/acme/api' };
    aws.logs.groups.set('/acme/api', [{ timestamp: T0, message: '{"timestamp":"x","level":"INFO","message":"custom"}' }]);
    expect((await run()).lines.map((l) => l.message)).toEqual(['custom']);
  });

  it('a function that has not logged yet has no lines; a function that does not exist is an error', async () => {
    aws.logs.groups.clear();
    expect((await run()).lines).toEqual([]);
    await expect(run({ function: 'nope' })).rejects.toMatchObject({ name: 'AwsDeployError', code: 'NOT_FOUND', message: 'no function nope in us-east-1' });
    expect(aws.ops().filter((op) => op === 'FilterLogEvents')).toHaveLength(1);
  });

  it('bad options are refused before any call', async () => {
    await expect(run({ function: 'a b' })).rejects.toThrow(/Invalid option "function"/);
    await expect(run({ limit: 0 })).rejects.toThrow(/Invalid option "limit"/);
    await expect(run({ limit: 10_001 })).rejects.toThrow(/Invalid option "limit"/);
    await expect(run({ since: 'yesterday' })).rejects.toThrow(/Invalid option "since"/);
    expect(aws.calls).toEqual([]);
  });

  describe('onefn logs aws', () => {
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['logs', 'aws', ...args, '--region', 'us-east-1', '--endpoint-url', aws.endpoint], {
        stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: process.cwd(), env: {}, color: false,
      });
      return { code, out: out.join(''), err: err.join('') };
    };
    const withKeys = async <T>(fn: () => Promise<T>): Promise<T> => {
      const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
      process.env['AWS_ACCESS_KEY_ID'] = 'AKIAFAKEFAKEFAKE';
      process.env['AWS_SECRET_ACCESS_KEY'] = 'fake-secret';
      try {
        return await fn();
      } finally {
        for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    };

    it('prints one line per event, with a stage suffix applied, and the shared JSON report', async () => {
      aws.functions.set('api-prod', { ...aws.functions.get('api')!, config: { FunctionName: 'api-prod' } });
      aws.logs.groups.set('/aws/lambda/api-prod', [{ timestamp: Date.now(), message: `${new Date().toISOString()}\t${RID}\tINFO\tline one\r\nforged line\x1b[31m\n` }]);
      const text = await withKeys(() => cli(['api', '--stage', 'prod', '--since', '5m']));
      expect(text.code).toBe(0);
      expect(text.out.split('\n').filter(Boolean)).toEqual([expect.stringMatching(new RegExp(`^\\S+ INFO  \\[${RID}\\] line one forged line\\\\x1b\\[31m$`))]);
      const json = await withKeys(() => cli(['--function', 'api', '--stage', 'prod', '--json']));
      const report = JSON.parse(json.out) as Record<string, unknown>;
      expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.logs]);
      expect(report).toMatchObject({ command: 'logs', provider: 'aws', stage: 'prod', function: 'api-prod', lines: [{ level: 'info', requestId: RID, message: 'line one\r\nforged line\x1b[31m' }], detail: { logGroup: '/aws/lambda/api-prod', truncated: false } });
    });

    it('a bad --limit or --since, or no function, exits non-zero with one line', async () => {
      expect(await cli(['api', '--limit', 'ten'])).toMatchObject({ code: 2, err: 'onefn: --limit must be a whole number, got "ten"\n' });
      expect(await cli(['api', '--since', '2 weeks'])).toMatchObject({ code: 2, err: 'onefn: --since takes a duration such as 30s, 15m, 2h or 1d, up to 30d; got "2 weeks"\n' });
      expect(await cli([])).toMatchObject({ code: 2, err: expect.stringContaining('onefn logs aws needs a function') });
      expect(aws.calls).toEqual([]);
    });
  });
});
