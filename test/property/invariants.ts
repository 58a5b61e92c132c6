// The invariants every provider must keep for any input, and the module of definitions the suites
// drive. Handlers record what ran, so a suite can check that no message was neither handled nor failed.
import { expect } from 'vitest';
import { z } from 'zod';
import {
  defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, HttpError, json, OnefnError, setCookie,
  type HttpRequest, type Message,
} from 'onefn';
import { isInputRecord } from 'onefn/runtime';
import { SECRET, type Act } from './arbitraries.js';

// Visible ASCII, space and HTAB: what every provider's host sends (Azure's refuses non-ASCII values).
const FIELD_VALUE_OK = /^[\t\x20-\x7e]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** No header name or value that leaves may carry CR, LF, NUL or any other byte HTTP forbids. */
export function expectCleanHeaders(headers: unknown, where = 'headers'): void {
  if (headers === undefined || headers === null) return;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    expect(name, `${where}: header name`).toMatch(TOKEN);
    for (const v of Array.isArray(value) ? value : [value]) expect(String(v), `${where}: value of ${name}`).toMatch(FIELD_VALUE_OK);
  }
}

export function expectCleanCookies(cookies: unknown): void {
  for (const c of (cookies as unknown[] | undefined) ?? []) expect(String(c), 'Set-Cookie value').toMatch(FIELD_VALUE_OK);
}

/** Nothing internal in what a client receives: no handler message, no stack frame, no file path. */
export function expectNoLeak(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(|node_modules|\.ts:\d+:\d+/);
}

/** A thrown value that is onefn's own typed error, never a TypeError from a converter. */
export function expectTyped(error: unknown): void {
  expect(error, String(error)).toBeInstanceOf(OnefnError);
  expect(typeof (error as OnefnError).code).toBe('string');
}

const protoNames = Object.getOwnPropertyNames(Object.prototype).sort().join();
const arrayNames = Object.getOwnPropertyNames(Array.prototype).sort().join();
/** No input may add to or change the built-in prototypes. */
export function expectNoPollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(protoNames);
  expect(Object.getOwnPropertyNames(Array.prototype).sort().join()).toBe(arrayNames);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
}

/** A record parsed from input: an input record (inherits nothing) or plain, never given a prototype by the input. */
export function expectSafeRecord(record: unknown, name: string): void {
  expect(typeof record, name).toBe('object');
  const proto = Object.getPrototypeOf(record) as unknown;
  expect(proto === null || proto === Object.prototype || isInputRecord(record), `${name} has an input-made prototype`).toBe(true);
}

/** What the handlers saw and did, for the suites to check after each call. */
export const seen = {
  ok: new Set<string>(),
  ran: new Set<string>(),
  records: [] as Array<{ query: unknown; cookies: unknown; headers: unknown; params: unknown }>,
  reset(): void {
    this.ok.clear();
    this.ran.clear();
    this.records.length = 0;
  },
};

function actOf(body: unknown): Act {
  const a = (body as { act?: unknown } | null)?.act;
  return a === 'throw' || a === 'reject-late' || a === 'throw-untyped' ? a : 'ok';
}

/** Runs a message as its body says; marks it ok only when the handler really succeeds. */
function perform(id: string, a: Act): void | Promise<void> {
  seen.ran.add(id);
  switch (a) {
    case 'ok':
      seen.ok.add(id);
      return;
    case 'throw':
      throw new Error(`${SECRET}: message ${id} failed`);
    case 'throw-untyped':
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw { secret: SECRET };
    case 'reject-late':
      return new Promise((_, reject) => setTimeout(() => reject(new Error(`${SECRET} late`)), 1));
  }
}

const messageHandler = (msg: Message): void | Promise<void> => perform(msg.id, actOf(msg.json()));

/** The module every suite drives: HTTP routes that echo, fail, fail late and set hostile headers. */
export const httpDefinitions = [
  defineHttp({
    method: ['GET', 'POST'],
    route: '/echo/:id',
    handler: (req: HttpRequest) => {
      seen.records.push({ query: req.query, cookies: req.cookies, headers: req.headers.toObject(), params: req.params });
      return json({ id: req.params.id, q: Object.keys(req.query).length, c: Object.keys(req.cookies).length });
    },
  }),
  defineHttp({
    method: 'POST',
    route: '/valid/:id',
    params: z.object({ id: z.string().regex(/^\d+$/) }),
    query: z.object({ n: z.coerce.number().int().optional() }),
    body: z.object({ name: z.string().min(1).max(20) }),
    handler: (req) => json({ hi: req.body.name }),
  }),
  defineHttp({ method: 'GET', route: '/throw', handler: () => { throw new Error(`${SECRET} thrown`); } }),
  defineHttp({ method: 'GET', route: '/http-error', handler: () => { throw new HttpError(409, 'conflict'); } }),
  defineHttp({ method: 'GET', route: '/late', handler: () => new Promise((_, reject) => setTimeout(() => reject(new Error(`${SECRET} late`)), 1)) }),
  defineHttp({
    method: 'GET',
    route: '/reflect',
    // Puts what the client sent into a header, a redirect and a cookie: the pipeline must refuse what
    // cannot leave safely, never send it.
    handler: (req) => {
      const v = typeof req.query['v'] === 'string' ? req.query['v'] : '';
      const cookie = (() => {
        try {
          return [setCookie('c', 'x', { path: v })];
        } catch (error) {
          if (error instanceof OnefnError) return [];
          throw error;
        }
      })();
      return { status: 302, headers: { location: `/to/${v}`, 'x-echo': v }, cookies: [...cookie, `raw=${v}`], body: '' };
    },
  }),
] as const;

export const queueDefinition = defineQueue({ queue: 'orders', handler: messageHandler });
export const orderedQueue = defineQueue({ queue: 'orders.fifo', ordered: true, handler: messageHandler });
export const schemaQueue = defineQueue({ queue: 'typed', schema: z.object({ act: z.enum(['ok', 'throw', 'reject-late', 'throw-untyped']) }), handler: (msg) => perform(msg.id, msg.body.act) });
export const topicDefinition = defineTopic({ topic: 'events', handler: messageHandler });
export const storageDefinition = defineStorage({ bucket: 'uploads', handler: (e) => perform(e.id, 'ok') });
export const scheduleDefinition = defineSchedule({ schedule: '*/5 * * * *', handler: (t) => perform(t.id, 'ok') });
export const cloudEventDefinition = defineCloudEvent({ types: ['order.created'], handler: (e) => perform(e.id, actOf(e.data)) });
