import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePortableInput } from '../cli/portable-input.js';
import { MalformedEventError } from '../errors.js';
import { isToken } from '../header-syntax.js';
import { jsonSyntaxDetail } from '../json-syntax.js';
import { problem } from '../problem.js';
import type { ResponseData } from '../response.js';
import { BRIDGE_PROVIDERS, BridgeUnavailableError } from './bridge.js';
import { describeFunctions } from './describe.js';
import type { Feed } from './feed.js';
import type { Served } from './functions.js';
import type { Invoker, Through, WireRequest } from './invoke.js';
import { MAX_PRESETS, PRESET_NAME, PresetsFileError, type PresetStore } from './presets.js';
import { send } from './wire.js';

/** Where the dashboard lives; its JSON API is under `${DASHBOARD_PATH}/api/v1`. */
export const DASHBOARD_PATH = '/_onefn';
export const API_PATH = `${DASHBOARD_PATH}/api/v1`;
export const THROUGH = ['local', ...BRIDGE_PROVIDERS] as const;

/** What the API reads of the running server. */
export interface ApiState {
  readonly entry: string;
  served(): Served;
  readonly reload: { generation: number; at: string; error: string | undefined };
  readonly feed: Feed;
  readonly presets: PresetStore;
  readonly invoker: Invoker;
  /** Set when the server listens beyond loopback: every dashboard request must carry it. */
  readonly token: string | undefined;
  readonly defaultProvider: Through;
  /** The dashboard's page and script. */
  asset(name: 'page' | 'script'): Promise<ResponseData | undefined>;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): ResponseData => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  cookies: [],
  body: JSON.stringify(value),
});

/** A request the API refuses; `answer` turns it into a problem document. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer`, else from `?token=` (EventSource cannot set headers). */
function tokenOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return query.get('token') ?? undefined;
}

/**
 * A page on another site can make the browser send requests here; with JSON-only bodies such a
 * request needs a preflight, which nothing here answers. A request that still names another origin
 * (or arrives under a Host name other than the one served: DNS rebinding) is refused outright.
 */
function checkOrigin(req: IncomingMessage, token: string | undefined): void {
  const origin = req.headers.origin;
  const host = req.headers.host;
  // Without a token the server listens on loopback only: a Host naming anything else is a page on
  // another site whose name was made to point here (DNS rebinding).
  if (token === undefined && !isLoopbackHost(host)) throw new Refusal(403, 'Requests under another host name are refused; use 127.0.0.1 or localhost');
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new Refusal(403, 'The Origin header is not a URL');
    }
    if (originHost !== host) throw new Refusal(403, 'Requests from another origin are refused');
  }
}

function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

function readJson(body: Uint8Array, req: IncomingMessage): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new Refusal(415, 'Send the body as application/json');
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new Refusal(400, `Malformed JSON body: ${jsonSyntaxDetail(error as SyntaxError)}`);
  }
}

function objectOf(value: unknown, what: string, keys: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(400, `${what} must be a JSON object`);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !keys.includes(k));
  if (unknown.length) throw new Refusal(400, `${what} has unknown field(s) ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; it takes ${keys.join(', ')}`, { issues: unknown.slice(0, 5).map((k) => ({ path: [k.slice(0, 40)], message: 'unknown field' })) });
  for (const key of required) if (o[key] === undefined) throw new Refusal(400, `${what} needs "${key}"`, { issues: [{ path: [key], message: 'required' }] });
  return o;
}

function providerOf(value: unknown, fallback: Through): Through {
  if (value === undefined) return fallback;
  if (!(THROUGH as readonly unknown[]).includes(value)) throw new Refusal(400, `"provider" must be one of ${THROUGH.join(', ')}`, { issues: [{ path: ['provider'], message: 'not a provider' }] });
  return value as Through;
}

// What a request line and header fields can carry on the wire (Node's parser refuses the rest), so
// that a request the dashboard sends could also have arrived over HTTP, on every provider.
const TARGET = /^[\x21-\x7e]*$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function checkWire(o: Record<string, unknown>): void {
  const path = typeof o['path'] === 'string' ? o['path'] : '/';
  if (!TARGET.test(path)) throw new Refusal(400, '"input.path" holds a space, a control character or a character a URL must percent-encode', { issues: [{ path: ['input', 'path'], message: 'not a request target' }] });
  for (const [name, value] of Object.entries((o['headers'] ?? {}) as Record<string, string>)) {
    const shown = JSON.stringify(name.slice(0, 40));
    if (!isToken(name)) throw new Refusal(400, `"input.headers" name ${shown} is not an HTTP token`, { issues: [{ path: ['input', 'headers', name.slice(0, 40)], message: 'not an HTTP token' }] });
    if (!FIELD_VALUE.test(value)) throw new Refusal(400, `"input.headers" ${shown} holds CR, LF or another character HTTP forbids`, { issues: [{ path: ['input', 'headers', name.slice(0, 40)], message: 'not a header value' }] });
  }
}

/** The wire form of a portable HTTP input (already checked by parsePortableInput). */
function wireFrom(o: Record<string, unknown>): WireRequest {
  checkWire(o);
  const full = typeof o['path'] === 'string' ? o['path'] : '/';
  const q = full.indexOf('?');
  let rawQuery = q === -1 ? '' : full.slice(q + 1);
  const query = o['query'];
  if (q === -1 && query && typeof query === 'object') {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    rawQuery = params.toString();
  }
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [k, v] of Object.entries((o['headers'] ?? {}) as Record<string, string>)) (headers[k.toLowerCase()] ??= []).push(v);
  const body = o['body'];
  let bytes: Uint8Array = new Uint8Array(0);
  if (typeof body === 'string') bytes = o['isBase64Encoded'] === true ? Buffer.from(body, 'base64') : Buffer.from(body);
  else if (body !== undefined && body !== null) {
    bytes = Buffer.from(JSON.stringify(body));
    headers['content-type'] ??= ['application/json'];
  }
  if (bytes.byteLength) headers['content-length'] = [String(bytes.byteLength)];
  return { method: typeof o['method'] === 'string' ? o['method'].toUpperCase() : 'GET', path: q === -1 ? full : full.slice(0, q), rawQuery, headers, body: bytes, ip: '127.0.0.1', native: undefined };
}

/** The body as text when it is UTF-8, else base64: JSON cannot carry bytes. */
function bodyForJson(body: string | Uint8Array): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  if (typeof body === 'string') return { body, bodyEncoding: 'utf8' };
  const text = Buffer.from(body).toString('utf8');
  return Buffer.from(text).equals(Buffer.from(body)) ? { body: text, bodyEncoding: 'utf8' } : { body: Buffer.from(body).toString('base64'), bodyEncoding: 'base64' };
}

async function invoke(state: ApiState, value: unknown, signal: AbortSignal): Promise<ResponseData> {
  const o = objectOf(value, 'The invocation', ['function', 'input', 'provider'], ['function', 'input']);
  const name = o['function'];
  if (typeof name !== 'string' || !name) throw new Refusal(400, '"function" must be a function name', { issues: [{ path: ['function'], message: 'expected a non-empty string' }] });
  const through = providerOf(o['provider'], state.defaultProvider);
  const served = state.served();
  const plan = served.plans.find((p) => p.name === name);
  if (!plan) throw new Refusal(404, `No function named ${JSON.stringify(name.slice(0, 80))}; known: ${served.plans.map((p) => p.name).join(', ')}`);
  let input;
  try {
    input = parsePortableInput(o['input']);
  } catch (error) {
    throw new Refusal(400, `"input": ${error instanceof MalformedEventError ? error.message : 'malformed'}`, { issues: [{ path: ['input'], message: error instanceof MalformedEventError ? error.message : 'malformed' }] });
  }
  const takes = plan.kind === 'http' ? 'http' : plan.kind;
  if (input.kind !== takes) throw new Refusal(400, `"${name}" takes ${takes} input, got ${input.kind}`, { issues: [{ path: ['input', 'kind'], message: `expected ${takes}` }] });
  try {
    if (input.kind === 'http') {
      const { response, record } = await state.invoker.http(served, wireFrom(o['input'] as Record<string, unknown>), through, 'dashboard', signal);
      return json(200, { record, response: { status: response.status, headers: response.headers, cookies: response.cookies, ...bodyForJson(response.body) } });
    }
    const found = served.events.get(name);
    if (!found) throw new Refusal(404, `No event function named ${JSON.stringify(name)}`);
    return json(200, { record: await state.invoker.events(found, input, through, 'dashboard', signal) });
  } catch (error) {
    if (error instanceof BridgeUnavailableError) throw new Refusal(501, error.message);
    throw error;
  }
}

async function savePreset(state: ApiState, name: string, value: unknown): Promise<ResponseData> {
  const o = objectOf(value, 'The preset', ['function', 'input', 'provider'], ['function', 'input']);
  if (typeof o['function'] !== 'string' || !o['function']) throw new Refusal(400, '"function" must be a function name', { issues: [{ path: ['function'], message: 'expected a non-empty string' }] });
  const provider = providerOf(o['provider'], 'local');
  try {
    parsePortableInput(o['input']);
  } catch (error) {
    throw new Refusal(400, `"input": ${error instanceof MalformedEventError ? error.message : 'malformed'}`, { issues: [{ path: ['input'], message: 'not a portable input' }] });
  }
  if (JSON.stringify(o['input']).length > MAX_PRESET_INPUT) throw new Refusal(413, `A preset's input is at most ${MAX_PRESET_INPUT / 1024} KiB of JSON`);
  try {
    const { created } = await state.presets.save({ name, function: o['function'], provider, input: o['input'], savedAt: new Date().toISOString() });
    return json(created ? 201 : 200, { name, function: o['function'], provider, input: o['input'] });
  } catch (error) {
    if (error instanceof RangeError) throw new Refusal(409, error.message, { limit: MAX_PRESETS });
    throw error;
  }
}

/** Presets are kept in one file, read whole: each stays small. */
const MAX_PRESET_INPUT = 64 * 1024;

function presetName(encoded: string): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new Refusal(400, 'The preset name is not valid percent-encoding');
  }
  if (!PRESET_NAME.test(name)) throw new Refusal(400, 'A preset name is 1-80 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  return name;
}

/** The API's own description: its version and endpoints (also in the README). */
const INDEX = {
  version: 1,
  endpoints: {
    'GET /_onefn/api/v1/functions': 'every function of the module: triggers, settings, schemas, an example input',
    'POST /_onefn/api/v1/invoke': '{ function, input, provider? }: runs it; answers the invocation record (and the HTTP response)',
    'GET /_onefn/api/v1/events': 'Server-Sent Events: invocation, reload and log events; Last-Event-ID resumes',
    'GET /_onefn/api/v1/presets': 'the saved presets',
    'PUT /_onefn/api/v1/presets/{name}': '{ function, input, provider? }: saves a preset in .onefn/presets.json',
    'DELETE /_onefn/api/v1/presets/{name}': 'deletes a preset',
  },
};

function allow(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) throw new Refusal(405, `Use ${allowed.join(' or ')} here`, {}, { allow: allowed.join(', ') });
}

async function route(state: ApiState, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: Uint8Array, signal: AbortSignal): Promise<ResponseData | undefined> {
  const method = req.method ?? 'GET';
  if (path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/`) {
    allow(method, ['GET', 'HEAD']);
    return state.asset('page');
  }
  if (path === `${DASHBOARD_PATH}/app.js`) {
    allow(method, ['GET', 'HEAD']);
    return state.asset('script');
  }
  if (path === API_PATH || path === `${API_PATH}/`) {
    allow(method, ['GET', 'HEAD']);
    return json(200, INDEX);
  }
  if (!path.startsWith(`${API_PATH}/`)) throw new Refusal(404, `Nothing at ${path.slice(0, 80)}; the dashboard is at ${DASHBOARD_PATH} and its API at ${API_PATH}`);
  const rest = path.slice(API_PATH.length + 1);
  if (rest === 'functions') {
    allow(method, ['GET', 'HEAD']);
    const served = state.served();
    return json(200, { entry: state.entry, generation: state.reload.generation, reloadedAt: state.reload.at, reloadError: state.reload.error ?? null, providers: THROUGH, defaultProvider: state.defaultProvider, functions: describeFunctions(served.plans) });
  }
  if (rest === 'invoke') {
    allow(method, ['POST']);
    return invoke(state, readJson(body, req), signal);
  }
  if (rest === 'events') {
    allow(method, ['GET']);
    const header = req.headers['last-event-id'];
    const last = (Array.isArray(header) ? header[0] : header) ?? query.get('after') ?? '0';
    const after = /^\d{1,15}$/.test(last) ? Number(last) : 0;
    state.feed.subscribe(res, after);
    return undefined;
  }
  if (rest === 'presets') {
    allow(method, ['GET', 'HEAD']);
    return json(200, { presets: await state.presets.list() });
  }
  if (rest.startsWith('presets/')) {
    allow(method, ['PUT', 'DELETE']);
    const name = presetName(rest.slice('presets/'.length));
    if (method === 'PUT') return savePreset(state, name, readJson(body, req));
    if (!(await state.presets.remove(name))) throw new Refusal(404, `No preset named ${JSON.stringify(name)}`);
    return { status: 204, headers: {}, cookies: [], body: '' };
  }
  throw new Refusal(404, `No API endpoint ${path.slice(0, 80)}; see GET ${API_PATH}`);
}

/**
 * Serves the dashboard page and its JSON API, version 1. Every refusal is a problem document; with
 * a token set (the server listens beyond loopback), a request without it gets 401 before anything
 * else is read.
 */
export async function handleDashboard(state: ApiState, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string, body: Uint8Array, signal: AbortSignal): Promise<void> {
  const query = new URLSearchParams(rawQuery);
  let answer: ResponseData | undefined;
  try {
    checkOrigin(req, state.token);
    if (state.token !== undefined && !sameToken(tokenOf(req, query), state.token)) {
      throw new Refusal(401, 'This dashboard needs the token printed when onefn dev started: open the printed URL, or send Authorization: Bearer <token>', {}, { 'www-authenticate': 'Bearer' });
    }
    answer = await route(state, req, res, path, query, body, signal);
    if (answer === undefined && !res.headersSent) answer = problem(503, 'The dashboard is not built; run npm run build');
  } catch (error) {
    if (error instanceof Refusal) answer = problem(error.status, error.message, error.extra, error.headers);
    else if (error instanceof PresetsFileError) answer = problem(500, error.message);
    else throw error;
  }
  if (answer) send(res, answer, req.method === 'HEAD');
}
