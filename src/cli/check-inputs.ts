import type { EventDefinition, HttpDefinition } from '../onefn/definition.js';
import { exampleFrom, jsonSchemaOf, type JsonSchema } from '../dev/describe.js';
import type { FunctionPlan } from '../runtime/plan.js';
import type { StandardSchemaV1 } from '../onefn/schema.js';

/**
 * Turns a schema into JSON Schema when the schema itself cannot (zod/mini's schemas carry no
 * `~standard.jsonSchema`; the project's own zod converts them). Returns undefined when it cannot.
 */
export type JsonSchemaFallback = (schema: StandardSchemaV1) => JsonSchema | undefined;

type ExampleOf = (schema: StandardSchemaV1 | undefined) => unknown;

/** The example a schema's JSON Schema gives, through the fallback converter where the schema has none. */
function examples(fallback: JsonSchemaFallback | undefined): ExampleOf {
  return (schema) => (schema ? exampleFrom(jsonSchemaOf(schema) ?? fallback?.(schema) ?? null) : undefined);
}

/**
 * The inputs `onefn check` sends each function, generated from its definitions: per HTTP definition a
 * request for each method with the route's parameters filled in and a body from the body schema, and a
 * second one whose body the schema refuses (so that the problem answer is compared too), and malformed
 * JSON; for a cross-origin definition, requests from another origin and a preflight; one request
 * no route matches, per HTTP function; per event definition one portable event (a message batch of a
 * valid and a refused body where there is a schema; one event per storage change).
 */
export type CheckCase =
  | {
      readonly kind: 'http';
      /** The planned function that answers it. */
      readonly function: string;
      /** e.g. `GET /users/1`, `POST /users (refused body)`. */
      readonly label: string;
      readonly request: CheckRequest;
    }
  | {
      readonly kind: 'event';
      readonly function: string;
      readonly label: string;
      /** A portable input (see `parsePortableInput`): an array of events of the definition's kind. */
      readonly input: readonly Record<string, unknown>[];
    };

/** An HTTP request as the wire would carry it. */
export interface CheckRequest {
  readonly method: string;
  readonly path: string;
  /** Percent-encoded, without "?". */
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}

const CHECK_TIME = '2026-01-05T09:00:00.000Z';
const NO_ROUTE = '/_onefn-check/no-such-route';

/** A value a body schema refuses, in most cases: the opposite shape of what it accepts. */
function refusedValue(example: unknown): unknown {
  if (Array.isArray(example)) return { unexpected: true };
  if (typeof example === 'object' && example !== null) return ['not', 'an', 'object'];
  if (typeof example === 'string') return { unexpected: true };
  return 'not a number';
}

/** Route parameters get a value that matches any segment; `:id` a digit, as ids often are. */
function fillRoute(def: HttpDefinition): string {
  const pattern = def.trigger.route?.pattern;
  if (!pattern) return '/';
  return pattern
    .split('/')
    .map((segment) => (segment === '*' ? 'rest/of/path' : segment.startsWith(':') ? (/id$/i.test(segment) ? '1' : segment.slice(1).replace(/\?$/, '') || 'x') : segment))
    .join('/');
}

function queryOf(def: HttpDefinition, exampleOf: ExampleOf): string {
  const example = exampleOf(def.trigger.schemas.query);
  if (typeof example !== 'object' || example === null || Array.isArray(example)) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(example)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, typeof one === 'string' ? one : JSON.stringify(one));
  }
  return params.toString();
}

function jsonBody(value: unknown): { body: Uint8Array; headers: Record<string, string> } {
  return { body: new TextEncoder().encode(JSON.stringify(value)), headers: { 'content-type': 'application/json' } };
}

function httpCases(plan: Extract<FunctionPlan, { kind: 'http' }>, exampleOf: ExampleOf): CheckCase[] {
  const cases: CheckCase[] = [];
  for (const def of plan.definitions) {
    const methods = def.trigger.methods === 'ANY' ? ['GET', 'POST'] : def.trigger.methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
    const path = fillRoute(def);
    const rawQuery = queryOf(def, exampleOf);
    const bodySchema = def.trigger.schemas.body;
    const example = bodySchema ? (exampleOf(bodySchema) ?? {}) : undefined;
    for (const method of methods.length ? methods : ['GET']) {
      const target = `${method} ${path}${rawQuery ? `?${rawQuery}` : ''}`;
      // A cross-origin definition is asked from another origin, so that its CORS headers are compared too.
      const origin: Record<string, string> = def.trigger.cors ? { origin: 'https://client.example' } : {};
      const base = { method, path, rawQuery, headers: { accept: 'application/json', ...origin } };
      if (method === 'GET' || method === 'DELETE') {
        cases.push({ kind: 'http', function: plan.name, label: target, request: { ...base, body: undefined } });
        continue;
      }
      const good = jsonBody(example ?? { check: true });
      cases.push({ kind: 'http', function: plan.name, label: target, request: { ...base, headers: { ...base.headers, ...good.headers }, body: good.body } });
      if (bodySchema) {
        const bad = jsonBody(refusedValue(example));
        cases.push({ kind: 'http', function: plan.name, label: `${target} (refused body)`, request: { ...base, headers: { ...base.headers, ...bad.headers }, body: bad.body } });
        const malformed = new TextEncoder().encode('{"unterminated": ');
        cases.push({ kind: 'http', function: plan.name, label: `${target} (malformed JSON)`, request: { ...base, headers: { ...base.headers, 'content-type': 'application/json' }, body: malformed } });
      }
    }
    if (def.trigger.cors) {
      const method = methods[0] ?? 'GET';
      cases.push({
        kind: 'http', function: plan.name, label: `OPTIONS ${path} (preflight for ${method})`,
        request: { method: 'OPTIONS', path, rawQuery: '', headers: { origin: 'https://client.example', 'access-control-request-method': method, 'access-control-request-headers': 'content-type' }, body: undefined },
      });
    }
  }
  cases.push({ kind: 'http', function: plan.name, label: `GET ${NO_ROUTE}`, request: { method: 'GET', path: NO_ROUTE, rawQuery: '', headers: { accept: 'application/json' }, body: undefined } });
  return cases;
}

function eventCases(plan: FunctionPlan, def: EventDefinition, exampleOf: ExampleOf): CheckCase[] {
  const one = (label: string, input: Record<string, unknown>[]): CheckCase => ({ kind: 'event', function: plan.name, label, input });
  switch (def.kind) {
    case 'message': {
      const t = def.trigger;
      const example = exampleOf(t.schema);
      const items: Record<string, unknown>[] = [{ kind: 'message', id: 'check-1', body: example ?? { check: true }, attributes: { origin: 'onefn-check' } }];
      // In an ordered batch the refused message goes first, so that whether it holds back the next one shows.
      if (t.schema) items[t.ordered ? 'unshift' : 'push']({ kind: 'message', id: 'check-2', body: refusedValue(example ?? {}) });
      return [one(`${t.type} ${t.name}: ${items.length} message${items.length > 1 ? 's' : ''}${t.schema ? ' (1 refused)' : ''}`, items)];
    }
    case 'storage': {
      const t = def.trigger;
      const key = `${t.prefix ?? ''}check/example${t.suffix ?? '.txt'}`;
      return t.changes.map((change, i) =>
        one(`${t.bucket}: ${change} ${key}`, [{ kind: 'storage', bucket: t.bucket, key, change, size: 1024, etag: `etag-${i}`, contentType: 'text/plain', time: CHECK_TIME }]),
      );
    }
    case 'schedule':
      return [one(`tick at ${CHECK_TIME}`, [{ kind: 'schedule', scheduledTime: CHECK_TIME }])];
    case 'cloudevent': {
      const t = def.trigger;
      const example = exampleOf(t.schema);
      const base = { kind: 'cloudevent', type: t.types[0] ?? 'com.example.check', source: t.source ?? '/onefn/check', subject: 'check', time: CHECK_TIME };
      const items: Record<string, unknown>[] = [{ ...base, id: 'check-1', data: example ?? { check: true } }];
      if (t.schema) items.push({ ...base, id: 'check-2', data: refusedValue(example ?? {}) });
      return items.map((item) => one(`${String(item['type'])} ${item['id'] === 'check-2' ? '(refused data)' : ''}`.trim(), [item]));
    }
  }
}

/** Every input `onefn check` sends, in the module's plan order. */
export function checkCases(plans: readonly FunctionPlan[], jsonSchema?: JsonSchemaFallback): CheckCase[] {
  const exampleOf = examples(jsonSchema);
  return plans.flatMap((plan) => (plan.kind === 'http' ? httpCases(plan, exampleOf) : eventCases(plan, plan.definition, exampleOf)));
}
