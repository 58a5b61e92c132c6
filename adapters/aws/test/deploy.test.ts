import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy, DeployOptionError, rollback, type DeployOptions } from '@onefn/aws/deploy';
import { deployReport } from '@onefn/aws/cli';
import { expectReportShape } from '../../../test/cli/run.js';
import { FakeAws } from './fake-aws.js';

const app = (name: string): string => fileURLToPath(new URL(`./app/${name}.ts`, import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/onefn-test';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY';

describe('deploy against a loopback AWS', () => {
  let aws: FakeAws;
  let lines: string[];
  const run = (overrides: Partial<DeployOptions> = {}) =>
    deploy({
      entry: app('deploy-v1'),
      region: 'us-east-1',
      role: ROLE,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: SECRET },
      pacing: { retryDelayMs: 1, pollMs: 1 },
      onProgress: (line) => lines.push(line),
      env: {},
      ...overrides,
    });

  beforeEach(async () => {
    aws = await new FakeAws().start();
    lines = [];
  });
  afterEach(async () => {
    await aws.stop();
  });

  it('first deploy creates, waits, publishes, points the alias and opens a public Function URL', async () => {
    const result = await run();
    expect(aws.ops()).toEqual([
      // The SDK's waiters: FunctionActiveV2 polls GetFunction until Active (Pending once here), FunctionUpdatedV2
      // once; PublishedVersionActive polls the new version's configuration until Active.
      'GetFunction', 'CreateFunction', 'GetFunction', 'GetFunction', 'GetFunction', 'GetAlias', 'PublishVersion', 'GetFunctionConfiguration', 'GetFunctionConfiguration', 'CreateAlias',
      'GetFunctionUrlConfig', 'CreateFunctionUrlConfig', 'GetPolicy', 'AddPermission', 'AddPermission',
    ]);
    const create = aws.calls.find((c) => c.op === 'CreateFunction')!.input;
    expect(create).toMatchObject({ FunctionName: 'api', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE, MemorySize: 256, Timeout: 30 });
    expect(aws.calls.find((c) => c.op === 'CreateFunctionUrlConfig')!.input).toMatchObject({ Qualifier: 'live', AuthType: 'NONE' });
    expect(aws.calls.filter((c) => c.op === 'AddPermission').map((c) => c.input)).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE', Qualifier: 'live' }),
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true, Qualifier: 'live' }),
    ]);
    expect(result.functions).toEqual([expect.objectContaining({ name: 'api', action: 'created', version: '1', alias: 'live', endpoint: 'https://api.lambda-url.us-east-1.on.aws/' })]);
    expect(aws.functions.get('api')!.config['CodeSha256']).toBe(result.functions[0]!.codeSha256);
    // --json prints the shape every provider shares.
    const report = deployReport(result, undefined);
    expectReportShape(report, 'deploy', 'aws');
    expect(report.functions[0]).toMatchObject({ name: 'api', kind: 'http', action: 'created', url: 'https://api.lambda-url.us-east-1.on.aws/', detail: { version: '1', alias: 'live' } });
    // Signed with the given credentials, which never reach the progress lines.
    expect(String(aws.calls[0]!.headers['authorization'])).toContain('Credential=AKIAFAKEFAKEFAKE/');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain('AKIAFAKEFAKEFAKE');
  });

  it('a stage goes into the function name; two stages are two functions', async () => {
    const prod = await run({ stage: 'prod' });
    const dev = await run({ stage: 'dev' });
    expect([prod.functions[0]!.name, dev.functions[0]!.name]).toEqual(['api-prod', 'api-dev']);
    expect(aws.calls.filter((c) => c.op === 'CreateFunction').map((c) => c.input['FunctionName'])).toEqual(['api-prod', 'api-dev']);
    expect(deployReport(prod, 'prod')).toMatchObject({ stage: 'prod', functions: [{ name: 'api-prod', url: 'https://api-prod.lambda-url.us-east-1.on.aws/' }] });
    await expect(run({ stage: 'Prod' })).rejects.toThrow(/Invalid option "stage"/);
  });

  it('a second deploy updates code, then configuration, waiting between, and moves the alias; rollback moves it back', async () => {
    await run();
    aws.calls.length = 0;
    const result = await run({ entry: app('deploy-v2') });
    expect(aws.writes()).toEqual(['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'PublishVersion', 'UpdateAlias']);
    const ops = aws.ops();
    const code = ops.indexOf('UpdateFunctionCode');
    const config = ops.indexOf('UpdateFunctionConfiguration');
    // FunctionUpdatedV2 between the two: InProgress once, then Successful.
    expect(ops.slice(code + 1, config)).toEqual(['GetFunction', 'GetFunction']);
    expect(aws.calls.find((c) => c.op === 'UpdateFunctionConfiguration')!.input).toMatchObject({ MemorySize: 512, Environment: { Variables: { GREETING: 'hi' } } });
    expect(result.functions[0]).toMatchObject({ action: 'updated', version: '2' });
    expect(aws.functions.get('api')!.aliases.get('live')).toBe('2');

    aws.calls.length = 0;
    const back = await rollback({ function: 'api', region: 'us-east-1', endpoint: aws.endpoint, credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: SECRET }, pacing: { pollMs: 1 }, env: {} });
    expect(back).toEqual({ function: 'api', alias: 'live', from: '2', to: '1' });
    expect(aws.writes()).toEqual(['UpdateAlias']);
    expect(aws.calls.find((c) => c.op === 'UpdateAlias')!.input).toMatchObject({ Name: 'live', FunctionVersion: '1' });
    expect(aws.functions.get('api')!.aliases.get('live')).toBe('1');
  });

  it('an unchanged deploy changes nothing', async () => {
    await run();
    aws.calls.length = 0;
    const result = await run();
    expect(aws.writes()).toEqual([]);
    expect(aws.ops()).toEqual(['GetFunction', 'GetAlias', 'GetFunctionUrlConfig', 'GetPolicy']);
    expect(result.functions[0]).toMatchObject({ action: 'unchanged', version: '1' });
  });

  it('retries ResourceConflictException with backoff', async () => {
    await run();
    aws.failNext('UpdateFunctionCode', 409, 'ResourceConflictException', 'The operation cannot be performed at this time. An update is in progress');
    aws.failNext('UpdateFunctionCode', 409, 'ResourceConflictException', 'The operation cannot be performed at this time. An update is in progress');
    aws.calls.length = 0;
    await run({ entry: app('deploy-v2') });
    expect(aws.ops().filter((op) => op === 'UpdateFunctionCode')).toHaveLength(3);
    expect(lines.filter((l) => l.includes('ResourceConflictException, retrying in'))).toEqual(['  ResourceConflictException, retrying in 1 ms', '  ResourceConflictException, retrying in 2 ms']);
    expect(aws.functions.get('api')!.aliases.get('live')).toBe('2');
  });

  it('surfaces a provider error with its message', async () => {
    aws.failNext('CreateFunction', 400, 'InvalidParameterValueException', 'Unzipped size must be smaller than 262144000 bytes');
    await expect(run()).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: 'Unzipped size must be smaller than 262144000 bytes' });
    expect(aws.writes()).toEqual(['CreateFunction']);
  });

  it('wires a queue with ReportBatchItemFailures and a schedule as an EventBridge cron rule', async () => {
    const result = await run({ entry: app('deploy-events') });
    expect(result.functions.map((f) => [f.name, f.action, f.endpoint])).toEqual([
      // A module namespace lists its exports alphabetically.
      ['nightly', 'created', 'arn:aws:events:us-east-1:123456789012:rule/onefn-nightly'],
      ['orders', 'created', 'arn:aws:sqs:us-east-1:123456789012:orders'],
    ]);
    expect(aws.calls.find((c) => c.op === 'CreateEventSourceMapping')!.input).toMatchObject({
      EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:orders', FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders:live', FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(aws.calls.find((c) => c.op === 'PutRule')!.input).toMatchObject({ Name: 'onefn-nightly', ScheduleExpression: 'cron(30 2 ? * MON,TUE,WED,THU,FRI *)', State: 'ENABLED' });
    expect(aws.calls.find((c) => c.op === 'PutTargets')!.input).toMatchObject({ Rule: 'onefn-nightly', Targets: [{ Id: 'onefn', Arn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly:live' }] });
    expect(aws.calls.find((c) => c.op === 'AddPermission' && c.input['FunctionName'] === 'nightly')!.input).toMatchObject({ Principal: 'events.amazonaws.com', SourceArn: 'arn:aws:events:us-east-1:123456789012:rule/onefn-nightly' });
    aws.calls.length = 0;
    await run({ entry: app('deploy-events') });
    expect(aws.writes()).toEqual([]);
  });

  it('plan mode makes no call and says what would change', async () => {
    const result = await run({ dryRun: true });
    expect(aws.calls).toEqual([]);
    expect(result).toMatchObject({ dryRun: true, functions: [{ name: 'api', action: 'planned', trigger: 'Function URL (auth NONE, public)' }] });
    expect(lines[0]).toBe('api: would run as arn:aws:iam::123456789012:role/onefn-test');
    expect(lines[1]).toMatch(/^api: would deploy \d+ bytes \(CodeSha256 [A-Za-z0-9+/=]{44}\), 256 MB, 30 s, nodejs22\.x$/);
  });

  it.each([
    [{ region: undefined }, 'region', 'no region given'],
    [{ region: 'mars-1' }, 'region', 'not an AWS region'],
    [{ memory: 20_000 }, 'memory', 'from 128 to 10240'],
    [{ memory: 64 }, 'memory', 'from 128 to 10240'],
    [{ timeout: 901 }, 'timeout', 'from 1 to 900'],
    [{ role: 'admin' }, 'role', 'not an IAM role ARN'],
    [{ role: undefined }, 'role', 'pass a role ARN'],
    [{ runtime: 'nodejs16.x' }, 'runtime', 'must be one of'],
    [{ httpEvents: 'rest' }, 'http-events', 'must be one of v2, all'],
    [{ function: 'nope' }, 'function', 'no function "nope"'],
  ] as Array<[Partial<DeployOptions>, string, string]>)('rejects %j before any call', async (overrides, option, text) => {
    const error = await run(overrides).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect((error as DeployOptionError).option).toBe(option);
    expect((error as Error).message).toContain(text);
    expect(aws.calls).toEqual([]);
  });

  it('rejects a function name Lambda would refuse, before any call', async () => {
    const error = await rollback({ function: 'bad name!', region: 'us-east-1', endpoint: aws.endpoint, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ option: 'function' });
    expect(aws.calls).toEqual([]);
  });

  describe('a function that streams', () => {
    it('plans RESPONSE_STREAM and says API Gateway would buffer; deploys the URL in that mode, and back to BUFFERED when it stops streaming', async () => {
      const planned = await run({ entry: app('deploy-stream'), dryRun: true });
      expect(planned.functions[0]!.trigger).toBe('Function URL (auth NONE, public, InvokeMode RESPONSE_STREAM; behind API Gateway the answer is buffered instead)');
      expect(aws.calls).toEqual([]);
      await run({ entry: app('deploy-stream') });
      expect(aws.calls.find((c) => c.op === 'CreateFunctionUrlConfig')!.input).toMatchObject({ AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' });
      expect(aws.functions.get('api')!.urls.get('live')?.InvokeMode).toBe('RESPONSE_STREAM');
      aws.calls.length = 0;
      await run({ entry: app('deploy-v1') });
      expect(aws.calls.find((c) => c.op === 'UpdateFunctionUrlConfig')!.input).toMatchObject({ AuthType: 'NONE', InvokeMode: 'BUFFERED' });
      expect(aws.functions.get('api')!.urls.get('live')?.InvokeMode).toBe('BUFFERED');
      expect(lines).toContain('api: Function URL invoke mode RESPONSE_STREAM -> BUFFERED');
    });
  });

  describe('a Function URL that stops being public', () => {
    const urlOps = (): Array<[string, Record<string, unknown>]> =>
      aws.calls
        .filter((c) => /FunctionUrlConfig|Permission|Policy/.test(c.op))
        .map((c) => [c.op, Object.fromEntries(Object.entries(c.input).filter(([k]) => ['FunctionName', 'Qualifier', 'AuthType', 'StatementId'].includes(k)))]);
    const statements = (): string[] => (aws.functions.get('api')!.policy.get('live') ?? []).map((s) => String(s['StatementId']));

    it('public -> private: the URL goes back to AWS_IAM and both Principal * statements are removed; a repeat changes nothing', async () => {
      await run();
      expect(statements()).toEqual(['onefn-url-public', 'onefn-url-invoke']);
      aws.calls.length = 0;
      const result = await run({ entry: app('deploy-private') });
      expect(urlOps()).toEqual([
        ['GetFunctionUrlConfig', { FunctionName: 'api', Qualifier: 'live' }],
        ['UpdateFunctionUrlConfig', { FunctionName: 'api', Qualifier: 'live', AuthType: 'AWS_IAM' }],
        ['GetPolicy', { FunctionName: 'api', Qualifier: 'live' }],
        ['RemovePermission', { FunctionName: 'api', Qualifier: 'live', StatementId: 'onefn-url-public' }],
        ['RemovePermission', { FunctionName: 'api', Qualifier: 'live', StatementId: 'onefn-url-invoke' }],
      ]);
      expect(statements()).toEqual([]);
      expect(aws.functions.get('api')!.urls.get('live')?.AuthType).toBe('AWS_IAM');
      expect(result.functions[0]).toMatchObject({ trigger: 'Function URL (auth AWS_IAM)' });
      expect(lines).toContain('api: removed the public statement onefn-url-public');

      aws.calls.length = 0;
      await run({ entry: app('deploy-private') });
      expect(aws.writes()).toEqual([]);
    });

    it('keeps statements onefn did not add', async () => {
      await run();
      aws.functions.get('api')!.policy.get('live')!.push({ StatementId: 'partner-invoke', Action: 'lambda:InvokeFunction', Principal: '111122223333', Qualifier: 'live' });
      await run({ entry: app('deploy-private') });
      expect(statements()).toEqual(['partner-invoke']);
    });

    it('private -> public: the URL opens with both statements; a repeat changes nothing', async () => {
      await run({ entry: app('deploy-private') });
      expect(aws.writes().filter((op) => /Permission/.test(op))).toEqual([]);
      aws.calls.length = 0;
      await run();
      expect(urlOps()).toEqual([
        ['GetFunctionUrlConfig', { FunctionName: 'api', Qualifier: 'live' }],
        ['UpdateFunctionUrlConfig', { FunctionName: 'api', Qualifier: 'live', AuthType: 'NONE' }],
        ['GetPolicy', { FunctionName: 'api', Qualifier: 'live' }],
        ['AddPermission', { FunctionName: 'api', Qualifier: 'live', StatementId: 'onefn-url-public' }],
        ['AddPermission', { FunctionName: 'api', Qualifier: 'live', StatementId: 'onefn-url-invoke' }],
      ]);
      aws.calls.length = 0;
      await run();
      expect(aws.writes()).toEqual([]);
    });
  });

  describe('environment keys Lambda reserves', () => {
    it('are left out (Lambda would refuse the whole configuration), named in the plan and the result', async () => {
      const result = await run({ entry: app('deploy-reserved-env') });
      expect(aws.calls.find((c) => c.op === 'CreateFunction')!.input['Environment']).toEqual({ Variables: { GREETING: 'hi' } });
      expect(result.functions[0]!.ignoredEnv).toEqual([
        { name: 'AWS_REGION', reason: 'reserved by Lambda, which sets it itself' },
        { name: '_HANDLER', reason: 'reserved by Lambda, which sets it itself' },
      ]);
      expect(lines).toContain("ignoring api's env AWS_REGION: reserved by Lambda, which sets it itself");
      lines.length = 0;
      const plan = await run({ entry: app('deploy-reserved-env'), dryRun: true });
      expect(JSON.parse(JSON.stringify(plan)).functions[0].ignoredEnv.map((v: { name: string }) => v.name)).toEqual(['AWS_REGION', '_HANDLER']);
      expect(lines).toContain("would ignore api's env _HANDLER: reserved by Lambda, which sets it itself");
    });
  });
});
