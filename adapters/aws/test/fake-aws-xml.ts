/**
 * The XML-speaking parts of the fake AWS: SNS and IAM (the query protocol: a form-encoded POST with
 * `Action`, answered by `<ActionResponse><ActionResult>`), and S3's bucket notification configuration
 * (REST-XML on `/{bucket}?notification`). Shapes follow the API references: SNS 2010-03-31, IAM
 * 2010-05-08, S3 2006-03-01, including what the real services do that clients trip on (S3 answers filter
 * rule names as `Prefix`/`Suffix` whatever was put; IAM answers the trust policy URL-encoded; SNS pages
 * subscriptions 100 at a time).
 */
import { child, childrenNamed, parseXml, textOf, toXml, type XmlNode, type XmlObject } from './fake-xml.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** Where the fake stands: the ARN partition and the region it names in ARNs and URLs. */
export interface Place {
  partition: string;
  region: string;
}
export const DEFAULT_PLACE: Place = { partition: 'aws', region: REGION };

export class AwsError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

const NS = { sns: 'http://sns.amazonaws.com/doc/2010-03-31/', iam: 'https://iam.amazonaws.com/doc/2010-05-08/', s3: 'http://s3.amazonaws.com/doc/2006-03-01/' };
const REQUEST_ID = '7a62c49f-347e-4fc4-9331-6e8eEXAMPLE';

/** A query-protocol answer: `<OpResponse><OpResult>…</OpResult><ResponseMetadata/></OpResponse>`. */
export function queryResponse(service: 'sns' | 'iam', op: string, result: XmlObject | undefined): string {
  const body = result ? `<${op}Result>${toXml(result)}</${op}Result>` : '';
  return `<${op}Response xmlns="${NS[service]}">${body}<ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></${op}Response>`;
}

/** A query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>`. */
export function queryError(service: 'sns' | 'iam', e: AwsError): string {
  const Type = e.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NS[service]}">${toXml({ Error: { Type, Code: e.type, Message: e.message } })}<RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`;
}

/** An S3 error: a bare `<Error>` document. */
export function s3Error(e: AwsError): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml({ Error: { Code: e.type, Message: e.message, RequestId: 'EXAMPLE', HostId: 'EXAMPLE' } })}`;
}

export interface Subscription {
  SubscriptionArn: string;
  Owner: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
}

/** SNS: topics and their subscriptions. */
export class FakeSns {
  /** Topic ARN -> subscriptions. A topic must exist to be subscribed to. */
  readonly topics = new Map<string, Subscription[]>();

  constructor(private readonly place: Place = DEFAULT_PLACE) {}

  createTopic(name: string): string {
    const arn = `arn:${this.place.partition}:sns:${this.place.region}:${ACCOUNT}:${name}`;
    this.topics.set(arn, this.topics.get(arn) ?? []);
    return arn;
  }

  private topic(arn: string | undefined): Subscription[] {
    const subscriptions = this.topics.get(arn ?? '');
    if (!subscriptions) throw new AwsError(404, 'NotFound', 'Topic does not exist');
    return subscriptions;
  }

  handle(op: string, input: Record<string, string>): XmlObject | undefined {
    switch (op) {
      case 'ListSubscriptionsByTopic': {
        // 100 per page, as SNS does; the token is the next index.
        const all = this.topic(input['TopicArn']);
        const start = Number(input['NextToken'] ?? 0);
        const page = all.slice(start, start + 100);
        return { Subscriptions: { member: page.map((s) => ({ ...s })) }, NextToken: start + 100 < all.length ? String(start + 100) : undefined };
      }
      case 'Subscribe': {
        const subscriptions = this.topic(input['TopicArn']);
        const { TopicArn = '', Protocol = '', Endpoint = '' } = input;
        if (!['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'].includes(Protocol)) {
          throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Protocol');
        }
        if (Protocol === 'lambda' && !Endpoint.startsWith(`arn:${this.place.partition}:lambda:`)) throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Lambda endpoint ARN');
        // Subscribing the same endpoint again answers the existing subscription.
        const existing = subscriptions.find((s) => s.Protocol === Protocol && s.Endpoint === Endpoint);
        const sub = existing ?? { SubscriptionArn: `${TopicArn}:${String(subscriptions.length + 1).padStart(8, '0')}-0000-4000-8000-000000000000`, Owner: ACCOUNT, Protocol, Endpoint, TopicArn };
        if (!existing) subscriptions.push(sub);
        return { SubscriptionArn: sub.SubscriptionArn };
      }
      case 'Unsubscribe': {
        const arn = input['SubscriptionArn'] ?? '';
        const list = this.topics.get(arn.split(':').slice(0, 6).join(':'));
        const at = list?.findIndex((s) => s.SubscriptionArn === arn) ?? -1;
        if (!list || at < 0) throw new AwsError(404, 'NotFound', 'Subscription does not exist');
        list.splice(at, 1);
        return undefined;
      }
      case 'CreateTopic':
        // Idempotent, as SNS is: an existing topic's ARN.
        return { TopicArn: this.createTopic(input['Name'] ?? '') };
      default:
        throw new AwsError(400, 'InvalidAction', `Could not find operation ${op} for version 2010-03-31`);
    }
  }
}

export interface Role {
  RoleName: string;
  Arn: string;
  RoleId: string;
  AssumeRolePolicyDocument: string;
  Description: string | undefined;
  attached: string[];
  inline: Map<string, string>;
  tags: Record<string, string>;
}

/** Query-protocol members (`Tags.member.1.Key`...) as a record. */
function tagsOf(input: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; input[`Tags.member.${i}.Key`] !== undefined; i++) tags[input[`Tags.member.${i}.Key`]!] = input[`Tags.member.${i}.Value`] ?? '';
  return tags;
}

/** IAM: roles with their attached (managed) and inline policies. */
export class FakeIam {
  readonly roles = new Map<string, Role>();

  constructor(private readonly place: Place = DEFAULT_PLACE) {}

  /** Roles created but not yet assumable by Lambda (IAM is eventually consistent). */
  readonly settling = new Set<string>();

  private role(name: string | undefined): Role {
    const role = this.roles.get(name ?? '');
    if (!role) throw new AwsError(404, 'NoSuchEntity', `The role with name ${name ?? ''} cannot be found.`);
    return role;
  }

  private policyDocument(text: string | undefined, what: string): void {
    try {
      const doc = JSON.parse(text ?? '') as { Statement?: unknown };
      if (!Array.isArray(doc.Statement)) throw new Error('no Statement');
    } catch {
      throw new AwsError(400, 'MalformedPolicyDocument', `${what} is not a valid policy document.`);
    }
  }

  handle(op: string, input: Record<string, string>): XmlObject | undefined {
    const describe = (r: Role): XmlObject => ({
      Path: '/', RoleName: r.RoleName, RoleId: r.RoleId, Arn: r.Arn, CreateDate: '2024-01-01T00:00:00Z',
      AssumeRolePolicyDocument: encodeURIComponent(r.AssumeRolePolicyDocument), Description: r.Description, MaxSessionDuration: 3600,
      ...(Object.keys(r.tags).length ? { Tags: { member: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })) } } : {}),
    });
    switch (op) {
      case 'GetRole':
        return { Role: describe(this.role(input['RoleName'])) };
      case 'CreateRole': {
        const name = input['RoleName'] ?? '';
        if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new AwsError(400, 'ValidationError', `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint`);
        if (this.roles.has(name)) throw new AwsError(409, 'EntityAlreadyExists', `Role with name ${name} already exists.`);
        this.policyDocument(input['AssumeRolePolicyDocument'], 'AssumeRolePolicyDocument');
        const role: Role = {
          RoleName: name, Arn: `arn:${this.place.partition}:iam::${ACCOUNT}:role/${name}`, RoleId: `AROA${String(this.roles.size + 1).padStart(17, '0')}`,
          AssumeRolePolicyDocument: input['AssumeRolePolicyDocument'] ?? '', Description: input['Description'], attached: [], inline: new Map(), tags: tagsOf(input),
        };
        this.roles.set(name, role);
        this.settling.add(role.Arn);
        return { Role: describe(role) };
      }
      case 'AttachRolePolicy': {
        const role = this.role(input['RoleName']);
        const arn = input['PolicyArn'] ?? '';
        if (!new RegExp(`^arn:${this.place.partition}:iam::(aws|\\d{12}):policy/`).test(arn)) throw new AwsError(400, 'InvalidInput', `ARN ${arn} is not valid.`);
        if (!role.attached.includes(arn)) role.attached.push(arn);
        return undefined;
      }
      case 'PutRolePolicy': {
        const role = this.role(input['RoleName']);
        this.policyDocument(input['PolicyDocument'], 'PolicyDocument');
        role.inline.set(input['PolicyName'] ?? '', input['PolicyDocument'] ?? '');
        return undefined;
      }
      case 'ListAttachedRolePolicies':
        return { AttachedPolicies: { member: this.role(input['RoleName']).attached.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() })) }, IsTruncated: false };
      case 'ListRolePolicies':
        return { PolicyNames: { member: [...this.role(input['RoleName']).inline.keys()] }, IsTruncated: false };
      case 'DetachRolePolicy': {
        const role = this.role(input['RoleName']);
        if (!role.attached.includes(input['PolicyArn'] ?? '')) throw new AwsError(404, 'NoSuchEntity', `Policy ${input['PolicyArn'] ?? ''} was not found.`);
        role.attached = role.attached.filter((a) => a !== input['PolicyArn']);
        return undefined;
      }
      case 'DeleteRolePolicy': {
        const role = this.role(input['RoleName']);
        if (!role.inline.delete(input['PolicyName'] ?? '')) throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${input['PolicyName'] ?? ''} cannot be found.`);
        return undefined;
      }
      case 'DeleteRole': {
        const role = this.role(input['RoleName']);
        // IAM refuses while policies remain.
        if (role.attached.length || role.inline.size) throw new AwsError(409, 'DeleteConflict', 'Cannot delete entity, must detach all policies first.');
        this.roles.delete(role.RoleName);
        return undefined;
      }
      default:
        throw new AwsError(400, 'InvalidAction', `Could not find operation ${op} for version 2010-05-08`);
    }
  }
}

export interface FilterRule {
  Name: string;
  Value: string;
}
export interface NotificationEntry {
  Id: string;
  /** The topic, queue or function ARN. */
  Target: string;
  Events: string[];
  Rules: FilterRule[];
}
export interface Notifications {
  topics: NotificationEntry[];
  queues: NotificationEntry[];
  lambdas: NotificationEntry[];
  eventBridge: boolean;
}

const EVENT = /^s3:(ObjectCreated|ObjectRemoved|ObjectRestore|ReducedRedundancyLostObject|Replication|LifecycleExpiration|LifecycleTransition|IntelligentTiering|ObjectTagging|ObjectAcl):[A-Za-z*]+$/;
const KINDS = [
  ['topics', 'TopicConfiguration', 'Topic'],
  ['queues', 'QueueConfiguration', 'Queue'],
  ['lambdas', 'CloudFunctionConfiguration', 'CloudFunction'],
] as const;

/** S3: buckets and their notification configurations. */
export class FakeS3 {
  readonly buckets = new Map<string, Notifications>();

  /** `canInvoke(functionArn)`: whether the function's policy lets S3 invoke it from this bucket. */
  constructor(private readonly canInvoke: (functionArn: string, bucket: string) => boolean) {}

  createBucket(name: string, notifications: Partial<Notifications> = {}): void {
    this.buckets.set(name, { topics: [], queues: [], lambdas: [], eventBridge: false, ...notifications });
  }

  private bucket(name: string): Notifications {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new AwsError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    return bucket;
  }

  /** HeadBucket (404 when missing, as S3 answers a HEAD: no body) and CreateBucket on `/{bucket}`. */
  bucketOp(method: 'HEAD' | 'PUT', bucketName: string): { op: string; input: Record<string, unknown>; run: () => string } {
    if (method === 'HEAD') return { op: 'HeadBucket', input: { Bucket: bucketName }, run: () => (this.bucket(bucketName), '') };
    return { op: 'CreateBucket', input: { Bucket: bucketName }, run: () => (this.createBucket(bucketName), '') };
  }

  /** Answers a GET or PUT on `/{bucket}?notification`; returns the operation, its input and the XML answer. */
  handle(method: string, bucketName: string, body: string): { op: string; input: Record<string, unknown>; run: () => string } {
    if (method === 'GET') {
      return { op: 'GetBucketNotificationConfiguration', input: { Bucket: bucketName }, run: () => this.get(bucketName) };
    }
    if (method === 'PUT') {
      const parsed = parseXml(body);
      return { op: 'PutBucketNotificationConfiguration', input: { Bucket: bucketName, NotificationConfiguration: this.read(parsed) }, run: () => this.put(bucketName, parsed) };
    }
    throw new AwsError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  private get(name: string): string {
    const b = this.bucket(name);
    const entry = (e: NotificationEntry, target: string): XmlObject => ({
      Id: e.Id,
      [target]: e.Target,
      Event: e.Events,
      // S3 answers the rule names capitalized, whatever case they were put in.
      Filter: e.Rules.length ? { S3Key: { FilterRule: e.Rules.map((r) => ({ Name: r.Name[0]!.toUpperCase() + r.Name.slice(1).toLowerCase(), Value: r.Value })) } } : undefined,
    });
    const doc: XmlObject = {};
    for (const [key, element, target] of KINDS) doc[element] = b[key].map((e) => entry(e, target));
    const eventBridge = b.eventBridge ? '<EventBridgeConfiguration></EventBridgeConfiguration>' : '';
    return `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="${NS.s3}">${toXml(doc)}${eventBridge}</NotificationConfiguration>`;
  }

  private read(doc: XmlNode): Notifications {
    const entries = (element: string, target: string): NotificationEntry[] =>
      childrenNamed(doc, element).map((n, i) => ({
        Id: textOf(n, 'Id') ?? `generated-${element}-${i}`,
        Target: textOf(n, target) ?? '',
        Events: childrenNamed(n, 'Event').map((e) => e.text.trim()),
        Rules: childrenNamed(child(child(n, 'Filter'), 'S3Key'), 'FilterRule').map((r) => ({ Name: textOf(r, 'Name') ?? '', Value: textOf(r, 'Value') ?? '' })),
      }));
    return {
      topics: entries('TopicConfiguration', 'Topic'),
      queues: entries('QueueConfiguration', 'Queue'),
      lambdas: entries('CloudFunctionConfiguration', 'CloudFunction'),
      eventBridge: !!child(doc, 'EventBridgeConfiguration'),
    };
  }

  private put(name: string, doc: XmlNode): string {
    const bucket = this.bucket(name);
    if (doc.name !== 'NotificationConfiguration') throw new AwsError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    const next = this.read(doc);
    const all = [...next.topics, ...next.queues, ...next.lambdas];
    const ids = new Set<string>();
    for (const e of all) {
      if (ids.has(e.Id)) throw new AwsError(400, 'InvalidArgument', 'Same ID used for multiple configurations. IDs must be unique');
      ids.add(e.Id);
      if (!e.Events.length || e.Events.some((ev) => !EVENT.test(ev))) throw new AwsError(400, 'InvalidArgument', `The event is not supported for notifications`);
      if (e.Rules.some((r) => !/^(prefix|suffix)$/i.test(r.Name))) throw new AwsError(400, 'InvalidArgument', 'filter rule name must be either prefix or suffix');
    }
    // S3 checks that it may invoke each function before it accepts the configuration.
    const refused = next.lambdas.filter((e) => !this.canInvoke(e.Target, name));
    if (refused.length) throw new AwsError(400, 'InvalidArgument', 'Unable to validate the following destination configurations');
    Object.assign(bucket, next);
    return '';
  }
}
