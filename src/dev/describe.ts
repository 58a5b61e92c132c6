import type { Definition, HttpDefinition } from '../onefn/definition.js';
import { planUses, type FunctionPlan } from '../runtime/plan.js';
import type { StandardSchemaV1 } from '../onefn/schema.js';
import { toAwsSchedule, toNcrontab, toUnixCron } from '../onefn/schedule.js';

/** A JSON Schema as a plain object; only what the example generator reads is named. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What the dashboard and `GET /_onefn/api/v1/functions` show of one definition's trigger. */
export type TriggerInfo =
  | { kind: 'http'; export: string; methods: readonly string[] | 'ANY'; route: string | null; params: readonly string[]; public: boolean; cors: boolean; schemas: Partial<Record<'body' | 'query' | 'params' | 'headers', JsonSchema | null>> }
  | { kind: 'message'; export: string; type: 'queue' | 'topic'; name: string; ordered: boolean; schema: JsonSchema | null | undefined }
  | { kind: 'storage'; export: string; bucket: string; changes: readonly string[]; prefix: string | null; suffix: string | null }
  | { kind: 'schedule'; export: string; expression: string; cron: string; timeZone: string; providers: { aws: string; gcp: string; azure: string } }
  | { kind: 'cloudevent'; export: string; types: readonly string[]; source: string | null; schema: JsonSchema | null | undefined };

/** One deployable function, as the dashboard lists it. */
export interface FunctionInfo {
  readonly name: string;
  readonly kind: FunctionPlan['kind'];
  readonly settings: { memory: number | null; timeout: number | null; env: readonly string[]; public: boolean | null };
  /** The queues, topics and buckets its definitions declare in `uses`, with the actions granted. */
  readonly uses: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly actions: readonly string[] }>;
  /** One per definition; each with a portable input it takes, generated from its schemas (a starting point to edit). */
  readonly triggers: ReadonlyArray<TriggerInfo & { readonly example: unknown }>;
}

/**
 * The JSON Schema of a schema's input, when its library implements Standard JSON Schema (zod 4,
 * ArkType and valibot's converter do); `null` when it cannot say, `undefined` when there is no schema.
 */
export function jsonSchemaOf(schema: StandardSchemaV1 | undefined): JsonSchema | null | undefined {
  if (!schema) return undefined;
  const converter = (schema['~standard'] as { jsonSchema?: { input?: (o: { target: string }) => unknown } }).jsonSchema;
  if (typeof converter?.input !== 'function') return null;
  try {
    const out = converter.input({ target: 'draft-2020-12' });
    return typeof out === 'object' && out !== null ? (JSON.parse(JSON.stringify(out)) as JsonSchema) : null;
  } catch {
    // A schema with a transform or a custom check has no JSON Schema: the dashboard shows a plain editor.
    return null;
  }
}

const MAX_DEPTH = 6;

/** A value that the schema accepts where it can tell: required properties filled, the first enum value. */
export function exampleFrom(schema: JsonSchema | null | undefined, depth = 0): unknown {
  if (!schema || depth > MAX_DEPTH) return undefined;
  if ('examples' in schema && Array.isArray(schema['examples']) && schema['examples'].length) return schema['examples'][0];
  if ('default' in schema) return schema['default'];
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length) return schema['enum'][0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.length) return exampleFrom(list.find((s) => (s as JsonSchema)['type'] !== 'null') as JsonSchema, depth + 1);
  }
  const type = Array.isArray(schema['type']) ? (schema['type'] as unknown[]).find((t) => t !== 'null') : schema['type'];
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : Object.keys(properties));
      for (const [name, sub] of Object.entries(properties)) {
        if (!required.has(name)) continue;
        Object.defineProperty(out, name, { value: exampleFrom(sub, depth + 1) ?? null, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array': {
      const min = typeof schema['minItems'] === 'number' ? Math.min(schema['minItems'], 3) : 1;
      return Array.from({ length: min }, () => exampleFrom(schema['items'] as JsonSchema, depth + 1) ?? null);
    }
    case 'string': {
      const format = schema['format'];
      if (format === 'email') return 'ada@example.com';
      if (format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (format === 'date-time') return '2026-01-01T09:00:00Z';
      if (format === 'uri' || format === 'url') return 'https://example.com/';
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 1;
      const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
      const word = 'example'.padEnd(min, 'x');
      return word.slice(0, Math.max(min, Math.min(word.length, max)));
    }
    case 'integer':
    case 'number': {
      const low = typeof schema['minimum'] === 'number' ? schema['minimum'] : typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] + 1 : 1;
      const high = typeof schema['maximum'] === 'number' ? schema['maximum'] : Infinity;
      return Math.min(low, high);
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

function paramsOf(def: HttpDefinition): string[] {
  return [...(def.trigger.route?.paramNames ?? [])];
}

function triggerOf(def: Definition, exportName: string): TriggerInfo {
  switch (def.kind) {
    case 'http': {
      const s = def.trigger.schemas;
      const schemas: Partial<Record<'body' | 'query' | 'params' | 'headers', JsonSchema | null>> = {};
      for (const key of ['body', 'query', 'params', 'headers'] as const) {
        const json = jsonSchemaOf(s[key]);
        if (json !== undefined) schemas[key] = json;
      }
      return { kind: 'http', export: exportName, methods: def.trigger.methods, route: def.trigger.route?.pattern ?? null, params: paramsOf(def), public: def.trigger.public, cors: !!def.trigger.cors, schemas };
    }
    case 'message':
      return { kind: 'message', export: exportName, type: def.trigger.type, name: def.trigger.name, ordered: def.trigger.ordered, schema: jsonSchemaOf(def.trigger.schema) };
    case 'storage':
      return { kind: 'storage', export: exportName, bucket: def.trigger.bucket, changes: def.trigger.changes, prefix: def.trigger.prefix ?? null, suffix: def.trigger.suffix ?? null };
    case 'schedule': {
      const schedule = def.trigger.schedule;
      return {
        kind: 'schedule', export: exportName, expression: schedule.expression, cron: schedule.fields.join(' '), timeZone: def.trigger.timeZone,
        providers: { aws: toAwsSchedule(schedule), gcp: toUnixCron(schedule), azure: toNcrontab(schedule) },
      };
    }
    case 'cloudevent':
      return { kind: 'cloudevent', export: exportName, types: def.trigger.types, source: def.trigger.source ?? null, schema: jsonSchemaOf(def.trigger.schema) };
  }
}

function fillRoute(route: string | null, params: readonly string[]): string {
  if (!route) return '/';
  const values = new Set(params);
  return route
    .split('/')
    .map((segment) => (segment === '*' && values.has('*') ? 'rest' : segment.startsWith(':') && values.has(segment.slice(1)) ? (segment === ':id' ? '1' : segment.slice(1)) : segment))
    .join('/');
}

function exampleInput(trigger: TriggerInfo): unknown {
  switch (trigger.kind) {
    case 'http': {
      const method = trigger.methods === 'ANY' ? 'GET' : (trigger.methods[0] ?? 'GET');
      const input: Record<string, unknown> = { method, path: fillRoute(trigger.route, trigger.params) };
      const query = exampleFrom(trigger.schemas.query);
      if (query && typeof query === 'object' && Object.keys(query).length) input['query'] = query;
      const body = exampleFrom(trigger.schemas.body);
      if (body !== undefined && method !== 'GET' && method !== 'HEAD') input['body'] = body;
      return input;
    }
    case 'message':
      return [{ kind: 'message', body: exampleFrom(trigger.schema) ?? { hello: 'world' } }];
    case 'storage':
      return { kind: 'storage', bucket: trigger.bucket, key: `${trigger.prefix ?? ''}example${trigger.suffix ?? '.txt'}`, change: trigger.changes[0] ?? 'created', size: 1024 };
    case 'schedule':
      return { kind: 'schedule' };
    case 'cloudevent':
      return { kind: 'cloudevent', type: trigger.types[0] ?? 'com.example.event', source: trigger.source ?? '/example', data: exampleFrom(trigger.schema) ?? {} };
  }
}

/** Describes a module's planned functions in JSON: triggers, settings (env names, never values), examples. */
export function describeFunctions(plans: readonly FunctionPlan[]): FunctionInfo[] {
  return plans.map((plan) => {
    const triggers = plan.kind === 'http' ? plan.definitions.map((d, i) => triggerOf(d, plan.exportNames[i] ?? plan.name)) : [triggerOf(plan.definition, plan.exportNames[0])];
    const s = plan.settings;
    return {
      name: plan.name,
      kind: plan.kind,
      settings: { memory: s.memory ?? null, timeout: s.timeout ?? null, env: Object.keys(s.env ?? {}), public: plan.kind === 'http' ? plan.public : null },
      uses: planUses(plan).map((u) => ({ kind: u.kind, name: u.name, actions: [...u.actions] })),
      triggers: triggers.map((t) => ({ ...t, example: exampleInput(t) })),
    };
  });
}
