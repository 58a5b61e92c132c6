import { Cron } from 'croner';
import type { FunctionInfo, TriggerInfo } from '../describe.js';
import { field, h, pretty } from './dom.js';

/** A send form: its element, the portable input it makes, and its field values (kept across reloads). */
export interface SendForm {
  readonly element: HTMLElement;
  /** Throws an Error naming the field when a value cannot be read. */
  input(): unknown;
  values(): Record<string, string>;
}

type Draft = Readonly<Record<string, string>>;

function control<T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(el: T, name: string, draft: Draft, initial: string): T {
  el.name = name;
  el.value = draft[name] ?? initial;
  return el;
}

const input = (name: string, draft: Draft, initial: string, attrs: Record<string, string> = {}): HTMLInputElement => control(h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }), name, draft, initial);
const area = (name: string, draft: Draft, initial: string, rows = 5): HTMLTextAreaElement => control(h('textarea', { rows, spellcheck: 'false' }), name, draft, initial);
function select(name: string, draft: Draft, options: readonly string[], initial: string): HTMLSelectElement {
  return control(h('select', {}, ...options.map((o) => h('option', { value: o }, o))), name, draft, initial);
}

/** `name: value` lines, as headers and attributes are written. */
function readLines(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`${what}, line ${i + 1}: write "name: value"`);
    Object.defineProperty(out, line.slice(0, colon).trim(), { value: line.slice(colon + 1).trim(), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON when it parses, else the text as is (a handler may take text). */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function collect(form: HTMLElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('input[name], textarea[name], select[name]')) {
    out[el.name] = el.type === 'checkbox' ? String((el as HTMLInputElement).checked) : el.value;
  }
  return out;
}

function httpForm(trigger: Extract<TriggerInfo, { kind: 'http' }>, example: Record<string, unknown>, draft: Draft): SendForm {
  const methods = trigger.methods === 'ANY' ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] : [...trigger.methods];
  const query = example['query'] ? new URLSearchParams(example['query'] as Record<string, string>).toString() : '';
  const body = example['body'] === undefined ? '' : pretty(example['body']);
  const el = h(
    'div',
    {},
    h('div', { class: 'row' }, field('Method', select('method', draft, methods, String(example['method'] ?? methods[0]))), field('Path', input('path', draft, String(example['path'] ?? '/')), trigger.params.length ? `route ${trigger.route}` : undefined)),
    field('Query', input('query', draft, query, { placeholder: 'name=Ada&lang=en' }), 'as in a URL, without "?"'),
    field('Headers', area('headers', draft, '', 2), 'one "name: value" per line'),
    field('Body', area('body', draft, body, 6), 'JSON is sent as application/json; other text as is'),
  );
  return {
    element: el,
    values: () => collect(el),
    input: () => {
      const v = collect(el);
      const path = v['path'] || '/';
      const out: Record<string, unknown> = { method: v['method'], path: v['query'] ? `${path}${path.includes('?') ? '&' : '?'}${v['query']}` : path };
      const headers = readLines(v['headers'] ?? '', 'Headers');
      if (Object.keys(headers).length) out['headers'] = headers;
      if (v['body']?.trim()) {
        const parsed = jsonOrText(v['body']);
        out['body'] = typeof parsed === 'string' ? parsed : v['body'];
        if (typeof parsed !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) out['headers'] = { ...headers, 'content-type': 'application/json' };
      }
      return out;
    },
  };
}

function messageForm(trigger: Extract<TriggerInfo, { kind: 'message' }>, example: unknown, draft: Draft): SendForm {
  const first = Array.isArray(example) ? (example[0] as { body?: unknown } | undefined)?.body : undefined;
  const el = h(
    'div',
    {},
    field('Messages', area('messages', draft, JSON.stringify(first ?? {}), 5), `one message body per line (JSON or text); several lines make one batch, as ${trigger.type === 'queue' ? 'a queue' : 'a topic'} delivers them`),
    field('Attributes', area('attributes', draft, '', 2), 'one "name: value" per line, given to every message'),
  );
  return {
    element: el,
    values: () => collect(el),
    input: () => {
      const v = collect(el);
      const lines = (v['messages'] ?? '').split('\n').filter((l) => l.trim());
      if (!lines.length) throw new Error('Messages: write at least one message body');
      const attributes = readLines(v['attributes'] ?? '', 'Attributes');
      const stamp = Date.now().toString(36);
      return lines.map((line, i) => ({ kind: 'message', id: `msg-${stamp}-${i + 1}`, body: jsonOrText(line), ...(Object.keys(attributes).length ? { attributes } : {}), source: trigger.name }));
    },
  };
}

function storageForm(trigger: Extract<TriggerInfo, { kind: 'storage' }>, example: Record<string, unknown>, draft: Draft): SendForm {
  const el = h(
    'div',
    {},
    h('div', { class: 'row' }, field('Bucket', input('bucket', draft, trigger.bucket)), field('Change', select('change', draft, trigger.changes, String(example['change'] ?? 'created')))),
    h('div', { class: 'row' }, field('Key', input('key', draft, String(example['key'] ?? 'example.txt'))), field('Size (bytes)', input('size', draft, '1024', { inputmode: 'numeric' }))),
  );
  return {
    element: el,
    values: () => collect(el),
    input: () => {
      const v = collect(el);
      const size = v['size']?.trim();
      if (size && !/^\d+$/.test(size)) throw new Error('Size: a whole number of bytes');
      return { kind: 'storage', bucket: v['bucket'], key: v['key'], change: v['change'], ...(size ? { size: Number(size) } : {}) };
    },
  };
}

/** The next due times, computed in the browser by croner with the schedule's time zone. */
export function nextTimes(cron: string, timeZone: string, count = 3): string[] {
  try {
    // legacyMode: a day-of-month and a day-of-week both set match either, as unix cron does.
    return new Cron(cron, { timezone: timeZone, legacyMode: true }).nextRuns(count).map((d) => d.toISOString());
  } catch {
    return [];
  }
}

function scheduleForm(trigger: Extract<TriggerInfo, { kind: 'schedule' }>, draft: Draft): SendForm {
  const next = nextTimes(trigger.cron, trigger.timeZone, 1)[0] ?? new Date().toISOString();
  const pastDue = h('input', { type: 'checkbox', name: 'pastDue' });
  pastDue.checked = draft['pastDue'] === 'true';
  const el = h('div', {}, field('Scheduled time', input('scheduledTime', draft, next), 'ISO 8601; the next due time by default'), h('div', { class: 'field' }, h('label', {}, pastDue, ' Past due (a late run, as Azure marks it)')));
  return {
    element: el,
    values: () => collect(el),
    input: () => {
      const v = collect(el);
      return { kind: 'schedule', scheduledTime: v['scheduledTime'], pastDue: v['pastDue'] === 'true', name: trigger.export };
    },
  };
}

function cloudEventForm(trigger: Extract<TriggerInfo, { kind: 'cloudevent' }>, example: Record<string, unknown>, draft: Draft): SendForm {
  const type = input('type', draft, String(example['type'] ?? ''), { list: 'ce-types' });
  const el = h(
    'div',
    {},
    h('datalist', { id: 'ce-types' }, ...trigger.types.map((t) => h('option', { value: t }))),
    h('div', { class: 'row' }, field('Type', type), field('Source', input('source', draft, String(example['source'] ?? '/example')))),
    field('Subject', input('subject', draft, '')),
    field('Data', area('data', draft, pretty(example['data'] ?? {}), 6), 'JSON'),
  );
  return {
    element: el,
    values: () => collect(el),
    input: () => {
      const v = collect(el);
      return { kind: 'cloudevent', type: v['type'], source: v['source'], ...(v['subject'] ? { subject: v['subject'] } : {}), data: jsonOrText(v['data'] ?? '') };
    },
  };
}

/** The form for one definition of a function (an HTTP function's request can still reach any of its routes). */
export function sendForm(fn: FunctionInfo, index: number, draft: Draft): SendForm {
  const trigger = (fn.triggers[index] ?? fn.triggers[0]) as FunctionInfo['triggers'][number];
  const example = (trigger.example ?? {}) as Record<string, unknown>;
  switch (trigger.kind) {
    case 'http':
      return httpForm(trigger, example, draft);
    case 'message':
      return messageForm(trigger, trigger.example, draft);
    case 'storage':
      return storageForm(trigger, example, draft);
    case 'schedule':
      return scheduleForm(trigger, draft);
    case 'cloudevent':
      return cloudEventForm(trigger, example, draft);
  }
}
