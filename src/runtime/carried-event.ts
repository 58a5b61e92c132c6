import { MalformedEventError } from '../onefn/errors.js';
import { createCloudEvent } from '../onefn/events.js';
import type { Native } from '../onefn/context.js';
import type { CloudEvent } from '../onefn/events.js';
import { inputRecord } from '../onefn/record.js';

// Context attributes the CloudEvent has fields for; every other `ce-` attribute is an extension.
const CORE = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema']);

/** `application/json`, `text/json` or any `+json` media type, parameters ignored. */
function isJsonType(type: string | undefined): boolean {
  const media = (type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || media === 'text/json' || media.endsWith('+json');
}

/**
 * A CloudEvent carried by a topic message in binary content mode, as `publishEvent` sends it on every
 * provider and as the CloudEvents Pub/Sub binding has it: the context attributes are the message's
 * `ce-` attributes, the message body is `data` (parsed when `ce-datacontenttype` is JSON). Undefined
 * when the message carries no `ce-specversion` (it is not a CloudEvent). A message that claims to be
 * one but lacks `ce-id`, `ce-source` or `ce-type`, or whose JSON data does not parse, is a
 * MalformedEventError that repeats none of the input.
 * https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/pubsub-protocol-binding.md
 *
 * @example
 * cloudEventFromMessage({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/orders', 'ce-type': 'order.done', 'ce-datacontenttype': 'application/json' }, '{"id":1}', native)
 */
export function cloudEventFromMessage(attributes: Readonly<Record<string, string>>, body: string, native: Native): CloudEvent | undefined {
  const attr = (name: string): string | undefined => (Object.hasOwn(attributes, name) && typeof attributes[name] === 'string' ? attributes[name] : undefined);
  const specversion = attr('ce-specversion');
  if (specversion === undefined) return undefined;
  if (!specversion.startsWith('1.')) throw new MalformedEventError('unsupported CloudEvents specversion in the ce-specversion attribute (this reads 1.x)');
  const missing = ['ce-id', 'ce-source', 'ce-type'].filter((name) => !attr(name));
  if (missing.length) throw new MalformedEventError(`a message carrying a CloudEvent without the ${missing.join(', ')} attribute${missing.length > 1 ? 's' : ''}`);
  const extensions = inputRecord<string>();
  for (const name of Object.keys(attributes)) {
    if (name.startsWith('ce-') && name.length > 3 && !CORE.has(name.slice(3))) extensions[name.slice(3)] = attributes[name] as string;
  }
  const datacontenttype = attr('ce-datacontenttype');
  let data: unknown = body === '' ? undefined : body;
  if (data !== undefined && isJsonType(datacontenttype)) {
    try {
      data = JSON.parse(body);
    } catch {
      throw new MalformedEventError('the data of a message carrying a CloudEvent is not the JSON its ce-datacontenttype says');
    }
  }
  return createCloudEvent({
    specversion,
    id: attr('ce-id') as string,
    source: attr('ce-source') as string,
    type: attr('ce-type') as string,
    subject: attr('ce-subject'),
    time: attr('ce-time'),
    datacontenttype,
    dataschema: attr('ce-dataschema'),
    data,
    extensions,
    native,
  });
}

/**
 * A CloudEvent as a topic message carries it in binary mode (what `publishEvent` sends, and what
 * `cloudEventFromMessage` reads back): `ce-` attributes and the data as the body, JSON unless it is a
 * string with a non-JSON content type. `onefn dev` uses it to deliver a topic's CloudEvents as the
 * provider's topic subscription does.
 *
 * @example
 * cloudEventMessage(event) // { attributes: { 'ce-specversion': '1.0', 'ce-id': ..., ... }, body: '{"id":1}' }
 */
export function cloudEventMessage(event: CloudEvent): { attributes: Record<string, string>; body: string } {
  const attributes = inputRecord<string>();
  for (const [name, value] of Object.entries(event.extensions)) if (!CORE.has(name)) attributes[`ce-${name}`] = value;
  const text = typeof event.data === 'string' && event.datacontenttype !== undefined && !isJsonType(event.datacontenttype);
  Object.assign(attributes, {
    'ce-specversion': event.specversion, 'ce-id': event.id, 'ce-source': event.source, 'ce-type': event.type,
    'ce-datacontenttype': event.datacontenttype ?? 'application/json',
  });
  if (event.subject !== undefined) attributes['ce-subject'] = event.subject;
  if (event.time !== undefined) attributes['ce-time'] = event.time.toISOString();
  if (event.dataschema !== undefined) attributes['ce-dataschema'] = event.dataschema;
  return { attributes, body: text ? (event.data as string) : event.data === undefined ? '' : JSON.stringify(event.data) };
}
