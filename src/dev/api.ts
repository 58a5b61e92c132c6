import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePortableInput } from '../cli/portable-input.js';
import { MalformedEventError } from '../onefn/errors.js';
import { problem } from '../onefn/problem.js';
import type { ResponseData } from '../onefn/response.js';
import { bodyForJson, checkOrigin, objectOf, providerOf, readJson, Refusal, sameToken, tokenOf, wireFrom } from './api-input.js';
import { API_PATH, DASHBOARD_PATH, THROUGH } from './api-paths.js';
import { BridgeUnavailableError } from './bridge.js';
import { describeFunctions } from './describe.js';
import type { Feed } from './feed.js';
import type { Served } from './functions.js';
import type { Invoker, Through } from './invoke.js';
import { resourcesRoute } from './api-resources.js';
import type { LocalResources } from './local-resources.js';
import { MAX_PRESETS, PRESET_NAME, PresetLimitError, PresetsFileError, type PresetStore } from './presets.js';
import { send } from './wire.js';

export { API_PATH, DASHBOARD_PATH, THROUGH } from './api-paths.js';

/** What the API reads of the running server. */
export interface ApiState {
  readonly entry: string;
  served(): Served;
  readonly reload: { generation: number; at: string; error: string | undefined };
  readonly feed: Feed;
  readonly presets: PresetStore;
  readonly invoker: Invoker;
  /** The local queues, topics and buckets. */
  readonly resources: LocalResources;
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
    if (error instanceof PresetLimitError) throw new Refusal(409, error.message, { limit: MAX_PRESETS });
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
    'GET /_onefn/api/v1/resources': 'the local queues, topics and buckets, with counts of messages (pending, delivered, failed) and objects',
    'GET /_onefn/api/v1/resources/{queues|topics}/{name}': 'the messages of a queue or topic, with their status, attempts and consumers',
    'POST /_onefn/api/v1/resources/{queues|topics}/{name}/messages': '{ body, attributes? }: sends (publishes) a message, delivered to the module\'s consumers',
    'POST /_onefn/api/v1/resources/{queues|topics}/{name}/messages/{id}/redeliver': 'delivers a pending or failed message again',
    'GET /_onefn/api/v1/resources/buckets/{name}': 'the objects of a bucket',
    'GET|PUT|DELETE /_onefn/api/v1/resources/buckets/{name}/objects/{key}': 'downloads, uploads (the body, with its Content-Type) or deletes an object; a change runs the bucket\'s storage handlers',
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
  if (rest === 'resources' || rest.startsWith('resources/')) return resourcesRoute(state.resources, state.served(), req, rest.slice('resources'.length), body);
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
