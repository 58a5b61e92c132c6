/**
 * The loopback parts of EventBridge Scheduler (REST-JSON, /schedules/{Name}) and CloudWatch Logs
 * (JSON 1.1, FilterLogEvents) that deploy, destroy and logs call; fake-aws.ts routes to them by the
 * service its SigV4 signature names.
 */
import { AwsError, ACCOUNT, type Place } from './fake-aws-xml.js';

/** EventBridge Scheduler: schedules of the default group, by name. */
export class FakeScheduler {
  readonly schedules = new Map<string, Record<string, unknown>>();
  constructor(private readonly place: Place) {}

  route(method: string, path: string): { op: string; params: Record<string, string> } {
    const m = /^\/schedules\/([^/]+)$/.exec(path);
    if (!m) throw new AwsError(404, 'UnknownOperationException', `no route ${method} ${path}`);
    const op = ({ GET: 'GetSchedule', POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' } as Record<string, string>)[method];
    if (!op) throw new AwsError(404, 'UnknownOperationException', `no route ${method} ${path}`);
    return { op, params: { Name: decodeURIComponent(m[1]!) } };
  }

  handle(op: string, input: Record<string, unknown>): unknown {
    const name = String(input['Name']);
    const arn = `arn:${this.place.partition}:scheduler:${this.place.region}:${ACCOUNT}:schedule/default/${name}`;
    const missing = (): AwsError => new AwsError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    switch (op) {
      case 'GetSchedule': {
        const schedule = this.schedules.get(name);
        if (!schedule) throw missing();
        return schedule;
      }
      case 'CreateSchedule':
      case 'UpdateSchedule': {
        if (op === 'CreateSchedule' && this.schedules.has(name)) throw new AwsError(409, 'ConflictException', `Schedule ${name} already exists.`);
        if (op === 'UpdateSchedule' && !this.schedules.has(name)) throw missing();
        // Both require these, as Scheduler does; an update replaces everything.
        for (const key of ['ScheduleExpression', 'FlexibleTimeWindow', 'Target']) if (input[key] === undefined) throw new AwsError(400, 'ValidationException', `${key} is required`);
        const { ClientToken: _t, ...fields } = input;
        this.schedules.set(name, { ...fields, Name: name, GroupName: 'default', Arn: arn });
        return { ScheduleArn: arn };
      }
      case 'DeleteSchedule':
        if (!this.schedules.delete(name)) throw missing();
        return {};
      default:
        throw new AwsError(400, 'UnknownOperationException', op);
    }
  }
}

export interface FakeLogEvent {
  timestamp: number;
  message: string;
  logStreamName?: string;
}

/** CloudWatch Logs: log groups with their events; FilterLogEvents pages `pageSize` events at a time. */
export class FakeLogs {
  readonly groups = new Map<string, FakeLogEvent[]>();
  pageSize = 2;

  handle(op: string, input: Record<string, unknown>): unknown {
    if (op !== 'FilterLogEvents') throw new AwsError(400, 'UnknownOperationException', op);
    const group = this.groups.get(String(input['logGroupName']));
    if (!group) throw new AwsError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    const start = typeof input['startTime'] === 'number' ? input['startTime'] : 0;
    const matching = group.filter((e) => e.timestamp >= start);
    const from = Number(input['nextToken'] ?? 0);
    const size = Math.min(this.pageSize, typeof input['limit'] === 'number' ? input['limit'] : 10_000);
    const page = matching.slice(from, from + size);
    return {
      events: page.map((e, i) => ({ logStreamName: e.logStreamName ?? '2026/12/07/[$LATEST]abc', timestamp: e.timestamp, ingestionTime: e.timestamp + 5, message: e.message, eventId: String(from + i) })),
      ...(from + size < matching.length ? { nextToken: String(from + size) } : {}),
    };
  }
}
