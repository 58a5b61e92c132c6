import { MalformedEventError, type Message, type Native } from 'onefn';
import { createMessage, inputRecord } from 'onefn/runtime';
import type { SnsEvent, SqsEvent } from './native.js';

/** SQS and SNS records -> portable messages. Every record is checked before any handler runs. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The last part of an ARN (`arn:aws:sqs:region:account:name` -> `name`). */
export function arnName(arn: unknown): string | undefined {
  if (typeof arn !== 'string') return undefined;
  return arn.slice(arn.lastIndexOf(':') + 1) || undefined;
}

/** Attribute names are the sender's: the record is prototype-free (see onefn's record.ts). */
function stringAttributes(attrs: unknown, valueKeys: readonly string[]): Record<string, string> {
  const out = inputRecord<string>();
  if (!isObj(attrs)) return out;
  for (const name in attrs) {
    const attr = attrs[name];
    if (!isObj(attr)) continue;
    for (const key of valueKeys) {
      const value = attr[key];
      if (typeof value === 'string') {
        out[name] = value;
        break;
      }
    }
  }
  return out;
}

function records(event: { Records: unknown }, what: string): Obj[] {
  const list = event.Records;
  if (!Array.isArray(list)) throw new MalformedEventError(`${what} Records must be a list`);
  return list.map((r: unknown, i) => {
    if (!isObj(r)) throw new MalformedEventError(`${what} Records[${i}] must be an object`);
    return r;
  });
}

// Readers of an SQS record's lazy fields, shared by every message (a closure per message adds up on a
// batch); the message calls them with its record when a handler first asks.
const sqsAttributesOf = (record: unknown): Obj => {
  const attributes = (record as Obj)['attributes'];
  return isObj(attributes) ? attributes : {};
};
const readSqsAttributes = (record: unknown): Record<string, string> => stringAttributes((record as Obj)['messageAttributes'], ['stringValue', 'binaryValue']);
const readSqsAttempt = (record: unknown): number => Number(sqsAttributesOf(record)['ApproximateReceiveCount']);
const readSqsSent = (record: unknown): number | undefined => {
  const sent = Number(sqsAttributesOf(record)['SentTimestamp']);
  return sent > 0 ? sent : undefined;
};

/** True when the batch comes from a FIFO queue, whose ARN ends in `.fifo`. */
export function isFifoBatch(event: SqsEvent): boolean {
  const arn = event.Records[0]?.eventSourceARN;
  return typeof arn === 'string' && arn.endsWith('.fifo');
}

/** SQS records, in order. A record without a message id cannot be reported, so it fails the whole batch. */
export function fromSqs(event: SqsEvent, native: Native): Message[] {
  // A batch comes from one queue: name it once, not per record.
  let lastArn: unknown;
  let lastName: string | undefined;
  const list: unknown = event.Records;
  if (!Array.isArray(list)) throw new MalformedEventError('SQS Records must be a list');
  const out: Message[] = new Array<Message>(list.length);
  // One pass: check each record and make its message (a batch is on the hot path).
  for (let i = 0; i < list.length; i++) {
    const r: unknown = list[i];
    if (!isObj(r)) throw new MalformedEventError(`SQS Records[${i}] must be an object`);
    const id = r['messageId'];
    if (typeof id !== 'string' || !id) throw new MalformedEventError(`SQS Records[${i}] has no messageId`);
    const body = r['body'];
    if (typeof body !== 'string') throw new MalformedEventError(`SQS message ${id} has no string body`);
    const arn = r['eventSourceARN'];
    if (arn !== lastArn) [lastArn, lastName] = [arn, arnName(arn)];
    const group = sqsAttributesOf(r)['MessageGroupId'];
    out[i] = createMessage({
      id,
      body: { data: body },
      // Read off the record only if the handler asks: most never do, and converting them per record
      // adds up on a batch.
      attributes: isObj(r['messageAttributes']) ? readSqsAttributes : undefined,
      attempt: readSqsAttempt,
      publishedAt: readSqsSent,
      readFrom: r,
      source: lastName,
      orderingKey: typeof group === 'string' ? group : undefined,
      native,
    });
  }
  return out;
}

/** SNS records (Lambda receives one per invocation). */
export function fromSns(event: SnsEvent, native: Native): Message[] {
  return records(event, 'SNS').map((r, i) => {
    const sns = r['Sns'];
    if (!isObj(sns)) throw new MalformedEventError(`SNS Records[${i}] has no Sns object`);
    const id = sns['MessageId'];
    if (typeof id !== 'string' || !id) throw new MalformedEventError(`SNS Records[${i}] has no MessageId`);
    const body = sns['Message'];
    if (typeof body !== 'string') throw new MalformedEventError(`SNS message ${id} has no string Message`);
    const time = sns['Timestamp'];
    return createMessage({
      id,
      body: { data: body },
      attributes: stringAttributes(sns['MessageAttributes'], ['Value']),
      publishedAt: typeof time === 'string' ? time : undefined,
      source: arnName(sns['TopicArn']),
      native,
    });
  });
}
