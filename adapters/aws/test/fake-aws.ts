/**
 * A loopback server that plays the parts of the AWS APIs the deploy helper calls: Lambda (REST-JSON),
 * SQS (JSON 1.0), EventBridge (JSON 1.1), and in fake-aws-xml.ts SNS and IAM (query protocol, XML) and
 * S3 (REST-XML), with just enough state to answer consistently. It records every call as an operation
 * name, so tests assert the exact sequence. Requests are told apart by the service their SigV4
 * signature names, as one endpoint serves them all.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refuseReservedKeys } from './fake-lambda-env.js';
import { ACCOUNT, AwsError, DEFAULT_PLACE, FakeIam, FakeS3, FakeSns, queryError, queryResponse, s3Error, type Place } from './fake-aws-xml.js';
import { FakeLogs, FakeScheduler } from './fake-scheduler-logs.js';

export interface Call {
  op: string;
  input: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

interface Fn {
  config: Record<string, unknown>;
  versions: Array<{ Version: string; CodeSha256: string; pending?: boolean }>;
  aliases: Map<string, string>;
  urls: Map<string, { AuthType: string; InvokeMode?: string; FunctionUrl: string }>;
  policy: Map<string, Array<Record<string, unknown>>>;
  /** Polls left before a pending change completes. */
  busy: number;
  tags: Record<string, string>;
}

export class FakeAws {
  readonly calls: Call[] = [];
  readonly functions = new Map<string, Fn>();
  readonly mappings: Array<Record<string, unknown>> = [];
  readonly rules = new Map<string, Record<string, unknown>>();
  readonly targets = new Map<string, Array<Record<string, unknown>>>();
  readonly sns: FakeSns;
  readonly iam: FakeIam;
  readonly scheduler: FakeScheduler;
  readonly logs = new FakeLogs();
  // Functions the fake does not hold (a test's pre-existing entries) count as valid destinations.
  readonly s3 = new FakeS3((arn, bucket) => !this.functions.has(arn.split(':')[6] ?? '') || this.allows(arn, 's3.amazonaws.com', `arn:${this.place.partition}:s3:::${bucket}`));
  /** Queue names GetQueueUrl answers as missing, until CreateQueue makes them. */
  readonly missingQueues = new Set<string>();
  /** Operation name -> errors to answer with before behaving normally. */
  readonly failures = new Map<string, AwsError[]>();
  private server: Server | undefined;
  endpoint = '';

  /** `place` sets the partition and region the fake names in its ARNs (China and GovCloud use their own). */
  constructor(readonly place: Place = DEFAULT_PLACE) {
    this.sns = new FakeSns(place);
    this.iam = new FakeIam(place);
    this.scheduler = new FakeScheduler(place);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(op: string, status: number, type: string, message: string): void {
    const list = this.failures.get(op) ?? [];
    list.push(new AwsError(status, type, message));
    this.failures.set(op, list);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  /** Operations that change something (everything but Get/List/Describe). */
  writes(): string[] {
    return this.ops().filter((op) => !/^(Get|List|Describe)/.test(op));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const target = req.headers['x-amz-target'];
    // Credential=AKID/20240101/us-east-1/sns/aws4_request
    const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1] ?? '';
    let protocol: 'json' | 'rest-json' | 'query' | 'rest-xml' = 'rest-json';
    try {
      let op: string;
      let run: () => unknown;
      let input: Record<string, unknown>;
      if (service === 'sns' || service === 'iam') {
        protocol = 'query';
        const form = Object.fromEntries(new URLSearchParams(text));
        const { Action = '', Version: _v, ...params } = form;
        op = Action;
        input = params;
        run = () => queryResponse(service, op, (service === 'sns' ? this.sns : this.iam).handle(op, params));
      } else if (service === 's3') {
        protocol = 'rest-xml';
        const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
        if (!url.searchParams.has('notification') && url.pathname.split('/').filter(Boolean).length === 1 && (req.method === 'HEAD' || req.method === 'PUT')) {
          ({ op, input, run } = this.s3.bucketOp(req.method, bucket));
        } else {
          if (!url.searchParams.has('notification')) throw new AwsError(501, 'NotImplemented', `no fake for ${req.method ?? ''} ${url.pathname}${url.search}`);
          ({ op, input, run } = this.s3.handle(req.method ?? 'GET', bucket, text));
        }
      } else if (service === 'scheduler') {
        const route = this.scheduler.route(req.method ?? 'GET', url.pathname);
        op = route.op;
        input = { ...(text ? (JSON.parse(text) as Record<string, unknown>) : {}), ...route.params, ...Object.fromEntries(url.searchParams) };
        run = () => this.scheduler.handle(op, input);
      } else if (typeof target === 'string') {
        protocol = 'json';
        op = target.split('.')[1] ?? target;
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        run = () => (service === 'logs' ? this.logs.handle(op, input) : this.json(op, input));
      } else {
        const route = this.lambdaRoute(req.method ?? 'GET', url.pathname);
        op = route.op;
        input = { ...(text ? (JSON.parse(text) as Record<string, unknown>) : {}), ...route.params, ...Object.fromEntries(url.searchParams) };
        run = () => this.lambda(op, input);
      }
      this.calls.push({ op, input, headers: req.headers });
      const failure = this.failures.get(op)?.shift();
      if (failure) throw failure;
      const body = run();
      if (protocol === 'query' || protocol === 'rest-xml') {
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'EXAMPLE' });
        res.end(body);
        return;
      }
      const status = op === 'DeleteFunction' || op === 'DeleteFunctionUrlConfig' || op === 'TagResource' ? 204 : op === 'DeleteEventSourceMapping' ? 202 : (op.startsWith('Create') && op !== 'CreateSchedule') || op === 'PublishVersion' || op === 'AddPermission' ? 201 : 200;
      if (status === 204) {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'ServiceException', (error as Error).message);
      if (protocol === 'query' || protocol === 'rest-xml') {
        res.writeHead(e.status, { 'content-type': 'text/xml' });
        res.end(protocol === 'query' ? queryError(service as 'sns' | 'iam', e) : s3Error(e));
        return;
      }
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
      res.end(JSON.stringify({ __type: e.type, Type: 'User', message: e.message }));
    }
  }

  /** Whether the function's resource policy (on the ARN's qualifier) lets `principal` invoke it from `sourceArn`. */
  allows(functionArn: string, principal: string, sourceArn: string): boolean {
    const parts = functionArn.split(':');
    const fn = this.functions.get(parts[6] ?? '');
    const statements = fn?.policy.get(parts[7] ?? '') ?? [];
    return statements.some((s) => s['Principal'] === principal && s['SourceArn'] === sourceArn && s['Action'] === 'lambda:InvokeFunction');
  }

  private lambdaRoute(method: string, path: string): { op: string; params: Record<string, string> } {
    const tags = /^\/2017-03-31\/tags\/([^/]+)$/.exec(path);
    if (tags && method === 'POST') return { op: 'TagResource', params: { Resource: decodeURIComponent(tags[1]!) } };
    const m = /^\/(\d{4}-\d{2}-\d{2})\/(functions|event-source-mappings)(?:\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(path);
    if (!m) throw new AwsError(404, 'UnknownOperationException', `no route ${method} ${path}`);
    const [, , root, a, b, c] = m;
    const FunctionName = a ? decodeURIComponent(a) : '';
    if (root === 'event-source-mappings') {
      const op = method === 'GET' ? 'ListEventSourceMappings' : method === 'POST' ? 'CreateEventSourceMapping' : method === 'DELETE' ? 'DeleteEventSourceMapping' : 'UpdateEventSourceMapping';
      return { op, params: a ? { UUID: FunctionName } : {} };
    }
    const key = `${method} ${b ?? ''}`;
    const table: Record<string, string> = {
      'POST ': 'CreateFunction', 'GET ': 'GetFunction', 'GET configuration': 'GetFunctionConfiguration', 'PUT configuration': 'UpdateFunctionConfiguration',
      'PUT code': 'UpdateFunctionCode', 'POST versions': 'PublishVersion', 'GET versions': 'ListVersionsByFunction', 'POST aliases': 'CreateAlias',
      'GET aliases': c ? 'GetAlias' : 'ListAliases', 'PUT aliases': 'UpdateAlias', 'GET url': 'GetFunctionUrlConfig', 'POST url': 'CreateFunctionUrlConfig',
      'PUT url': 'UpdateFunctionUrlConfig', 'GET policy': 'GetPolicy', 'POST policy': 'AddPermission', 'DELETE policy': 'RemovePermission',
      'DELETE ': 'DeleteFunction', 'DELETE url': 'DeleteFunctionUrlConfig',
    };
    const op = table[key];
    if (!op) throw new AwsError(404, 'UnknownOperationException', `no route ${method} ${path}`);
    // DELETE /functions/{name}/policy/{StatementId}
    const last = c ? { [op === 'RemovePermission' ? 'StatementId' : 'Name']: decodeURIComponent(c) } : {};
    return { op, params: { ...(FunctionName ? { FunctionName } : {}), ...last } };
  }

  private fn(name: unknown): Fn {
    const short = String(name).split(':').length > 6 ? String(name).split(':')[6]! : String(name);
    const fn = this.functions.get(short);
    if (!fn) throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${String(name)}`);
    return fn;
  }

  private lambda(op: string, input: Record<string, unknown>): unknown {
    if (op === 'CreateFunction' || op === 'UpdateFunctionConfiguration') refuseReservedKeys(input);
    switch (op) {
      case 'CreateFunction': {
        const name = String(input['FunctionName']);
        if (this.functions.has(name)) throw new AwsError(409, 'ResourceConflictException', `Function already exist: ${name}`);
        // A role IAM has just created is not assumable for a few seconds.
        if (this.iam.settling.delete(String(input['Role']))) throw new AwsError(400, 'InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.');
        const { Code, Publish: _p, PackageType: _t, Tags, ...settings } = input;
        const zip = Buffer.from(String((Code as { ZipFile: string }).ZipFile), 'base64');
        const config = { ...settings, FunctionArn: `arn:${this.place.partition}:lambda:${this.place.region}:${ACCOUNT}:function:${name}`, CodeSha256: createHash('sha256').update(zip).digest('base64'), CodeSize: zip.length, State: 'Pending', LastUpdateStatus: 'Successful', Version: '$LATEST' };
        this.functions.set(name, { config, versions: [], aliases: new Map(), urls: new Map(), policy: new Map(), busy: 1, tags: { ...(Tags as Record<string, string> | undefined) } });
        return config;
      }
      case 'GetFunction': {
        // The SDK's waiters (FunctionActiveV2, FunctionUpdatedV2) poll GetFunction.
        const fn = this.fn(input['FunctionName']);
        const snapshot = { ...fn.config };
        if (fn.busy > 0 && --fn.busy === 0) Object.assign(fn.config, { State: 'Active', LastUpdateStatus: 'Successful' });
        return { Configuration: snapshot, Code: { RepositoryType: 'S3', Location: 'https://example.com/code' }, ...(Object.keys(fn.tags).length ? { Tags: fn.tags } : {}) };
      }
      case 'GetFunctionConfiguration': {
        const fn = this.fn(input['FunctionName']);
        // A published version (PublishedVersionActive waiter): Pending once, then Active.
        if (input['Qualifier'] !== undefined && input['Qualifier'] !== '$LATEST') {
          const v = fn.versions.find((x) => x.Version === input['Qualifier']);
          if (!v) throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${String(input['FunctionName'])}:${String(input['Qualifier'])}`);
          const state = v.pending ? 'Pending' : 'Active';
          v.pending = false;
          return { ...fn.config, Version: v.Version, State: state };
        }
        const snapshot = { ...fn.config };
        if (fn.busy > 0 && --fn.busy === 0) Object.assign(fn.config, { State: 'Active', LastUpdateStatus: 'Successful' });
        return snapshot;
      }
      case 'TagResource': {
        const fn = this.fn(input['Resource']);
        Object.assign(fn.tags, input['Tags']);
        return undefined;
      }
      case 'DeleteFunction': {
        const fn = this.fn(input['FunctionName']);
        if (input['Qualifier'] !== undefined) throw new AwsError(400, 'InvalidParameterValueException', 'onefn deletes whole functions only');
        this.functions.delete(String(fn.config['FunctionArn']).split(':')[6]!);
        return undefined;
      }
      case 'DeleteFunctionUrlConfig': {
        if (!this.fn(input['FunctionName']).urls.delete(String(input['Qualifier']))) throw new AwsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return undefined;
      }
      case 'DeleteEventSourceMapping': {
        const at = this.mappings.findIndex((m) => m['UUID'] === input['UUID']);
        if (at < 0) throw new AwsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return { ...this.mappings.splice(at, 1)[0], State: 'Deleting' };
      }
      case 'UpdateFunctionCode': {
        const fn = this.fn(input['FunctionName']);
        if (fn.config['LastUpdateStatus'] === 'InProgress') throw new AwsError(409, 'ResourceConflictException', 'An update is in progress');
        const zip = Buffer.from(String(input['ZipFile']), 'base64');
        Object.assign(fn.config, { CodeSha256: createHash('sha256').update(zip).digest('base64'), CodeSize: zip.length, LastUpdateStatus: 'InProgress' });
        fn.busy = 1;
        return fn.config;
      }
      case 'UpdateFunctionConfiguration': {
        const fn = this.fn(input['FunctionName']);
        if (fn.config['LastUpdateStatus'] === 'InProgress') throw new AwsError(409, 'ResourceConflictException', 'An update is in progress');
        const { FunctionName: _n, ...settings } = input;
        Object.assign(fn.config, settings, { LastUpdateStatus: 'InProgress' });
        fn.busy = 1;
        return fn.config;
      }
      case 'PublishVersion': {
        const fn = this.fn(input['FunctionName']);
        if (input['CodeSha256'] !== fn.config['CodeSha256']) throw new AwsError(412, 'PreconditionFailedException', 'CodeSha256 does not match');
        const Version = String(fn.versions.length + 1);
        fn.versions.push({ Version, CodeSha256: String(fn.config['CodeSha256']), pending: true });
        return { ...fn.config, Version, FunctionArn: `${String(fn.config['FunctionArn'])}:${Version}` };
      }
      case 'ListVersionsByFunction': {
        const fn = this.fn(input['FunctionName']);
        return { Versions: [{ Version: '$LATEST' }, ...fn.versions.map(({ Version, CodeSha256 }) => ({ Version, CodeSha256 }))] };
      }
      case 'GetAlias': {
        const version = this.fn(input['FunctionName']).aliases.get(String(input['Name']));
        if (!version) throw new AwsError(404, 'ResourceNotFoundException', `Alias not found: ${String(input['Name'])}`);
        return { Name: input['Name'], FunctionVersion: version };
      }
      case 'CreateAlias':
      case 'UpdateAlias': {
        const fn = this.fn(input['FunctionName']);
        const version = String(input['FunctionVersion']);
        if (!fn.versions.some((v) => v.Version === version)) throw new AwsError(404, 'ResourceNotFoundException', `No version ${version}`);
        fn.aliases.set(String(input['Name']), version);
        return { Name: input['Name'], FunctionVersion: version };
      }
      case 'GetFunctionUrlConfig': {
        const url = this.fn(input['FunctionName']).urls.get(String(input['Qualifier']));
        if (!url) throw new AwsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return url;
      }
      case 'CreateFunctionUrlConfig':
      case 'UpdateFunctionUrlConfig': {
        // An update keeps what it does not name, as Lambda's does; InvokeMode defaults to BUFFERED.
        const before = this.fn(input['FunctionName']).urls.get(String(input['Qualifier']));
        const InvokeMode = input['InvokeMode'] === undefined ? (before?.InvokeMode ?? 'BUFFERED') : String(input['InvokeMode']);
        const url = { AuthType: String(input['AuthType'] ?? before?.AuthType), InvokeMode, FunctionUrl: `https://${String(input['FunctionName'])}.lambda-url.${this.place.region}.on.aws/` };
        this.fn(input['FunctionName']).urls.set(String(input['Qualifier']), url);
        return url;
      }
      case 'GetPolicy': {
        const statements = this.fn(input['FunctionName']).policy.get(String(input['Qualifier']));
        if (!statements) throw new AwsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        // Lambda's own shape: the principal as a service or "*", the source as an ArnLike condition.
        const statement = (s: Record<string, unknown>): Record<string, unknown> => ({
          Sid: s['StatementId'], Effect: 'Allow', Action: s['Action'],
          Principal: s['Principal'] === '*' ? '*' : { Service: s['Principal'] },
          Resource: `${String(this.fn(input['FunctionName']).config['FunctionArn'])}:${String(input['Qualifier'])}`,
          ...(s['SourceArn'] ? { Condition: { ArnLike: { 'AWS:SourceArn': s['SourceArn'] } } } : {}),
        });
        return { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements.map(statement) }) };
      }
      case 'RemovePermission': {
        const fn = this.fn(input['FunctionName']);
        const qualifier = String(input['Qualifier']);
        const list = fn.policy.get(qualifier) ?? [];
        const kept = list.filter((s) => s['StatementId'] !== input['StatementId']);
        if (kept.length === list.length) throw new AwsError(404, 'ResourceNotFoundException', `Statement ${String(input['StatementId'])} is not found in resource policy.`);
        // Lambda answers GetPolicy with ResourceNotFoundException once the last statement is gone.
        if (kept.length) fn.policy.set(qualifier, kept);
        else fn.policy.delete(qualifier);
        return undefined;
      }
      case 'AddPermission': {
        const fn = this.fn(input['FunctionName']);
        const sid = String(input['StatementId']);
        if (!/^[a-zA-Z0-9-_]{1,100}$/.test(sid)) {
          throw new AwsError(400, 'ValidationException', `1 validation error detected: Value '${sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)`);
        }
        const list = fn.policy.get(String(input['Qualifier'])) ?? [];
        if (list.some((s) => s['StatementId'] === input['StatementId'])) throw new AwsError(409, 'ResourceConflictException', 'The statement id provided already exists.');
        list.push(input);
        fn.policy.set(String(input['Qualifier']), list);
        return { Statement: JSON.stringify(input) };
      }
      case 'ListEventSourceMappings':
        return { EventSourceMappings: this.mappings.filter((m) => m['FunctionArn'] === input['FunctionName'] && (input['EventSourceArn'] === undefined || m['EventSourceArn'] === input['EventSourceArn'])) };
      case 'CreateEventSourceMapping': {
        const mapping = { ...input, UUID: `uuid-${this.mappings.length + 1}`, FunctionArn: input['FunctionName'], State: 'Creating' };
        this.mappings.push(mapping);
        return mapping;
      }
      default:
        throw new AwsError(400, 'UnknownOperationException', op);
    }
  }

  private json(op: string, input: Record<string, unknown>): unknown {
    switch (op) {
      case 'GetQueueUrl':
        // Every queue exists unless a test lists it as missing (deploy then creates it).
        if (this.missingQueues.has(String(input['QueueName']))) throw new AwsError(400, 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: `https://sqs.${this.place.region}.amazonaws.com/${ACCOUNT}/${String(input['QueueName'])}` };
      case 'CreateQueue':
        this.missingQueues.delete(String(input['QueueName']));
        return { QueueUrl: `https://sqs.${this.place.region}.amazonaws.com/${ACCOUNT}/${String(input['QueueName'])}` };
      case 'GetQueueAttributes':
        return { Attributes: { QueueArn: `arn:${this.place.partition}:sqs:${this.place.region}:${ACCOUNT}:${String(input['QueueUrl']).split('/').pop() ?? ''}` } };
      case 'DescribeRule': {
        const rule = this.rules.get(String(input['Name']));
        if (!rule) throw new AwsError(400, 'ResourceNotFoundException', `Rule ${String(input['Name'])} does not exist.`);
        return rule;
      }
      case 'PutRule': {
        const rule = { ...input, Arn: `arn:${this.place.partition}:events:${this.place.region}:${ACCOUNT}:rule/${String(input['Name'])}` };
        this.rules.set(String(input['Name']), rule);
        return { RuleArn: rule.Arn };
      }
      case 'ListTargetsByRule':
        return { Targets: this.targets.get(String(input['Rule'])) ?? [] };
      case 'PutTargets': {
        // Targets are kept by Id: a new Id adds one, a known Id replaces it.
        const list = (this.targets.get(String(input['Rule'])) ?? []).filter((t) => !(input['Targets'] as Array<Record<string, unknown>>).some((n) => n['Id'] === t['Id']));
        this.targets.set(String(input['Rule']), [...list, ...(input['Targets'] as Array<Record<string, unknown>>)]);
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'RemoveTargets': {
        const ids = input['Ids'] as string[];
        this.targets.set(String(input['Rule']), (this.targets.get(String(input['Rule'])) ?? []).filter((t) => !ids.includes(String(t['Id']))));
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'DeleteRule': {
        const name = String(input['Name']);
        if ((this.targets.get(name) ?? []).length) throw new AwsError(400, 'ValidationException', 'Rule can\'t be deleted since it has targets.');
        this.rules.delete(name);
        this.targets.delete(name);
        return {};
      }
      default:
        throw new AwsError(400, 'UnknownOperationException', op);
    }
  }
}
