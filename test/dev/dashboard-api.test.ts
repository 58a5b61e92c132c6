import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from 'onefn/cli';
import { API, invoke, KITCHEN_SINK, startOn, type Started } from './helpers.js';

interface Problem {
  status: number;
  detail: string;
  issues?: Array<{ location?: string; path: Array<string | number>; message: string }>;
}

describe('the dashboard API (v1)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startOn(KITCHEN_SINK, {}, { '.env': 'SECRET=from-dotenv\nLOCAL_ONLY=env\n', '.env.local': 'LOCAL_ONLY=env.local\n' });
  });
  afterAll(() => s.stop());

  it('serves the page with its script, with no inline script and no CDN', async () => {
    const page = await fetch(`${s.dev.url}/_onefn`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/_onefn/app.js">');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${s.dev.url}/_onefn/app.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    const code = await script.text();
    expect(code.length).toBeGreaterThan(1000);
    expect(code).not.toMatch(/\bimport\s*\(?\s*["']https?:/);
  });

  it('describes every function: triggers, settings with env names only, schemas and example inputs', async () => {
    const res = await fetch(`${s.dev.url}${API}/functions`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { functions: Array<{ name: string; kind: string; settings: { env: string[] }; triggers: Array<Record<string, unknown>> }> };
    const byName = Object.fromEntries(body.functions.map((f) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['http', 'later', 'nightly', 'orders', 'placed', 'signups', 'slow', 'uploads']);
    expect(byName['http']?.settings.env).toEqual(['GREETING']);
    expect(JSON.stringify(body)).not.toContain('from the definition');
    // A module namespace lists its exports in name order.
    const [post, get] = byName['http']?.triggers ?? [];
    expect(get).toMatchObject({ kind: 'http', export: 'getUser', methods: ['GET'], route: '/users/:id', params: ['id'], example: { method: 'GET', path: '/users/1' } });
    expect(post).toMatchObject({ export: 'createUser', example: { method: 'POST', path: '/users', body: { name: 'example', age: 18 } } });
    expect(byName['orders']?.triggers[0]).toMatchObject({ type: 'queue', name: 'orders', example: [{ kind: 'message', body: { id: 'example', total: 0 } }] });
    expect(byName['uploads']?.triggers[0]).toMatchObject({ bucket: 'uploads', example: { kind: 'storage', bucket: 'uploads', key: 'images/example.txt' } });
    expect(byName['nightly']?.triggers[0]).toMatchObject({ cron: '30 2 * * *', timeZone: 'Europe/Paris', providers: { gcp: '30 2 * * *' } });
    expect(byName['placed']?.triggers[0]).toMatchObject({ types: ['order.placed'], example: { kind: 'cloudevent', type: 'order.placed' } });
  });

  it('the example inputs it generates are accepted by their functions', async () => {
    const { functions } = (await (await fetch(`${s.dev.url}${API}/functions`)).json()) as { functions: Array<{ name: string; triggers: Array<{ example: unknown }> }> };
    // `slow` never answers by design (see the deadline test below).
    for (const fn of functions.filter((f) => f.name !== 'slow')) {
      for (const trigger of fn.triggers) {
        const res = await invoke(s.dev, { function: fn.name, input: trigger.example });
        expect(res.status, fn.name).toBe(200);
        const { record, response } = (await res.json()) as { record: { failed?: string[] }; response?: { status: number } };
        if (response) expect(response.status, fn.name).toBeLessThan(300);
        else expect(record.failed, fn.name).toEqual([]);
      }
    }
  });

  it('answers a request that fails its schema with the 400 and the issue paths, and logs an access line', async () => {
    const res = await invoke(s.dev, { function: 'http', input: { method: 'POST', path: '/users', body: { name: '', age: 3 } } });
    const { response, record } = (await res.json()) as { response: { status: number; body: string }; record: { function: string; status: number } };
    expect(response.status).toBe(400);
    const problem = JSON.parse(response.body) as Problem;
    expect(problem.issues?.map((i) => [i.location, ...i.path].join('.'))).toEqual(['body.name', 'body.age']);
    expect(record).toMatchObject({ function: 'http', status: 400 });
    expect(s.lines).toContainEqual(expect.stringMatching(/^POST \/users 400 \d+(\.\d)?ms http$/));
  });

  it('applies the definition env under .env, .env.local and the shell', async () => {
    const res = await fetch(`${s.dev.url}/users/7`);
    expect(await res.json()).toEqual({ id: '7', greeting: 'from the definition', secret: 'from-dotenv', local: 'env.local' });
    expect(s.lines).toContainEqual(expect.stringMatching(/env: \.env, \.env\.local \(2 variables; never bundled\)/));
  });

  it('runs a batch and reports each message, with what each provider does next', async () => {
    const res = await invoke(s.dev, { function: 'orders', input: [{ kind: 'message', id: 'a', body: { id: 'a', total: 1 } }, { kind: 'message', id: 'b', body: { id: 'boom', total: 1 } }, { kind: 'message', id: 'c', body: { id: 'c', total: -1 } }] });
    const { record } = (await res.json()) as { record: { outcomes: Array<{ id: string; status: string }>; failed: string[]; onFailure: Record<string, string>; logs: Array<{ message: string }> } };
    expect(record.outcomes.map((o) => o.status)).toEqual(['ok', 'failed', 'failed']);
    expect(record.failed).toEqual(['b', 'c']);
    expect(record.onFailure['aws']).toContain('batchItemFailures');
    expect(record.onFailure['azure']).toContain('orders-poison');
    expect(record.logs.map((l) => l.message)).toContain('order');
    expect(s.lines).toContainEqual(expect.stringMatching(/^EVENT orders 2\/3 failed \d+(\.\d)?ms orders$/));
  });

  it.each([
    ['a body that is not JSON', '{"function":', {}, 400, /Malformed JSON/],
    ['a form body', 'function=http', { 'content-type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
    ['an array', '[]', {}, 400, /JSON object/],
    ['an unknown field', { function: 'http', input: {}, extra: 1 }, {}, 400, /unknown field/],
    ['a __proto__ field', '{"function":"http","input":{},"__proto__":{"polluted":1}}', {}, 400, /unknown field/],
    ['no input', { function: 'http' }, {}, 400, /needs "input"/],
    ['an unknown function', { function: 'nope', input: {} }, {}, 404, /No function named "nope"/],
    ['a function given the wrong kind of input', { function: 'orders', input: { method: 'GET', path: '/' } }, {}, 400, /takes message input, got http/],
    ['a malformed portable input', { function: 'orders', input: { kind: 'message', attempt: 0 } }, {}, 400, /attempt/],
    ['an unknown provider', { function: 'http', input: {}, provider: 'heroku' }, {}, 400, /provider/],
    ['a request from another origin', { function: 'http', input: {} }, { origin: 'https://evil.example' }, 403, /another origin/],
    ['a request from an opaque origin', { function: 'http', input: {} }, { origin: 'null' }, 403, /Origin/],
    ['a header name that is not a token', { function: 'http', provider: 'gcp', input: { path: '/users/1', headers: { 'bad name': 'x' } } }, {}, 400, /not an HTTP token/],
    ['a header value with CR LF', { function: 'http', provider: 'azure', input: { path: '/users/1', headers: { 'x-a': 'a\r\nset-cookie: x=1' } } }, {}, 400, /CR, LF/],
    ['a path with a space', { function: 'http', provider: 'gcp', input: { path: '/users/1 2' } }, {}, 400, /percent-encode/],
    ['a path with a newline', { function: 'http', input: { path: '/users/1\nHost: evil' } }, {}, 400, /percent-encode/],
  ])('refuses %s with a problem document', async (_name, body, headers, status, detail) => {
    const res = await invoke(s.dev, body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Problem;
    expect(problem.detail).toMatch(detail);
    expect(JSON.stringify(problem)).not.toMatch(/\n\s+at /);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a request under another host name (DNS rebinding) when it needs no token', async () => {
    const { request } = await import('node:http');
    const { port } = new URL(s.dev.url);
    const statusUnder = (host: string): Promise<number> =>
      new Promise<number>((ok, fail) => {
        const req = request({ host: '127.0.0.1', port, path: `${API}/functions`, headers: { host } }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        req.on('error', fail);
        req.end();
      });
    expect(await statusUnder(`evil.example:${port}`)).toBe(403);
    expect(await statusUnder(`127.0.0.1.evil.example:${port}`)).toBe(403);
    expect(await statusUnder(`localhost:${port}`)).toBe(200);
    expect(await statusUnder(`[::1]:${port}`)).toBe(200);
  });

  it('refuses wrong methods and unknown paths with problems', async () => {
    const wrong = await fetch(`${s.dev.url}${API}/invoke`);
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${s.dev.url}${API}/nothing`)).status).toBe(404);
    expect((await fetch(`${s.dev.url}/_onefn/other`)).status).toBe(404);
    const index = (await (await fetch(`${s.dev.url}${API}`)).json()) as { version: number };
    expect(index.version).toBe(1);
  });

  it('refuses a body over the limit without reading it', async () => {
    const res = await invoke(s.dev, JSON.stringify({ function: 'http', input: { body: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(res.status).toBe(413);
  });

  it.each(['local', 'aws', 'gcp', 'azure'])('answers a handler that never settles with a 504 at its deadline (%s)', async (provider) => {
    const res = await invoke(s.dev, { function: 'slow', provider, input: { path: '/slow' } });
    const { response, record } = (await res.json()) as { response: { status: number; body: string }; record: { function: string } };
    expect([response.status, record.function]).toEqual([504, 'slow']);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('keeps a handler that hangs or throws late from hurting the server', async () => {
    const res = await invoke(s.dev, { function: 'signups', input: [{ kind: 'message', id: 'x', body: 'bad' }] });
    expect(((await res.json()) as { record: { failed: string[] } }).record.failed).toEqual(['x']);
    expect((await fetch(`${s.dev.url}/users/1`)).status).toBe(200);
  });
});

describe('presets', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startOn(KITCHEN_SINK);
  });
  afterAll(() => s.stop());

  const put = (name: string, body: unknown): Promise<Response> =>
    fetch(`${s.dev.url}${API}/presets/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('saves them in .onefn/presets.json, lists them after a restart, and deletes them', async () => {
    const input = { method: 'GET', path: '/users/9' };
    expect((await put('get nine', { function: 'http', input, provider: 'aws' })).status).toBe(201);
    expect((await put('get nine', { function: 'http', input })).status).toBe(200);
    expect((await put('constructor', { function: 'orders', input: [{ kind: 'message', body: 1 }] })).status).toBe(201);
    const again = await startDevServer({ entry: s.entry, port: 0, watch: false, dir: s.dir, env: {}, print: () => {}, logSink: () => {} });
    try {
      const { presets } = (await (await fetch(`${again.url}${API}/presets`)).json()) as { presets: Array<{ name: string; function: string; provider: string; input: unknown }> };
      expect(presets.map((p) => [p.name, p.function, p.provider])).toEqual([['constructor', 'orders', 'local'], ['get nine', 'http', 'local']]);
      expect(presets[1]?.input).toEqual(input);
    } finally {
      await again.close();
    }
    expect((await fetch(`${s.dev.url}${API}/presets/constructor`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${s.dev.url}${API}/presets/constructor`, { method: 'DELETE' })).status).toBe(404);
  });

  it.each([
    ['__proto__', { function: 'http', input: {} }, 400],
    ['../escape', { function: 'http', input: {} }, 400],
    ['line\r\nbreak', { function: 'http', input: {} }, 400],
    ['x'.repeat(81), { function: 'http', input: {} }, 400],
    ['fine', { function: 'http', input: 'not an object' }, 400],
    ['fine', { function: 'http' }, 400],
    ['huge', { function: 'http', input: { path: '/', body: 'x'.repeat(70 * 1024) } }, 413],
  ])('refuses the preset %j', async (name, body, status) => {
    expect((await put(name, body)).status).toBe(status);
  });

  it('answers a corrupt presets file with a problem naming the file, and keeps serving', async () => {
    writeFileSync(join(s.dir, '.onefn', 'presets.json'), '{not json');
    const res = await fetch(`${s.dev.url}${API}/presets`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as Problem).detail).toMatch(/presets.json is not JSON/);
    expect((await fetch(`${s.dev.url}/users/1`)).status).toBe(200);
  });
});

describe('the live feed (Server-Sent Events)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startOn(KITCHEN_SINK);
  });
  afterAll(() => s.stop());

  /** Reads SSE frames until `count` events of `type` have arrived. */
  async function collect(response: Response, type: string, count: number): Promise<unknown[]> {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const found: unknown[] = [];
    while (found.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (event === type && data) found.push(JSON.parse(data));
      }
    }
    await reader.cancel();
    return found;
  }

  it('streams every invocation, from the page or from curl, with its logs', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${s.dev.url}${API}/events`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = collect(stream, 'invocation', 2);
    await fetch(`${s.dev.url}/users/3`);
    await fetch(`${s.dev.url}/_onefn/events/uploads`, { method: 'POST', body: JSON.stringify({ kind: 'storage', bucket: 'uploads', key: 'images/a.png' }) });
    const [http, storage] = (await events) as Array<Record<string, unknown>>;
    controller.abort();
    expect(http).toMatchObject({ function: 'http', via: 'http', provider: 'local', status: 200, request: { method: 'GET', path: '/users/3' } });
    expect(storage).toMatchObject({ function: 'uploads', via: 'event-endpoint', outcomes: [{ status: 'ok' }], logs: [{ level: 'info', message: 'object', fields: { key: 'images/a.png' } }] });
  });

  it('sends a line logged after its invocation ended on its own, naming the function', async () => {
    const stream = await fetch(`${s.dev.url}${API}/events`, { headers: { 'last-event-id': '999999' } });
    const late = collect(stream, 'log', 1);
    await fetch(`${s.dev.url}/_onefn/events/later`, { method: 'POST', body: JSON.stringify({ kind: 'message', id: 'l-1', body: 1 }) });
    expect(await late).toMatchObject([{ level: 'info', message: 'late line', fields: { function: 'later', id: 'l-1' } }]);
  });

  it('resumes after Last-Event-ID with only what was missed', async () => {
    await fetch(`${s.dev.url}/users/4`);
    const all = await fetch(`${s.dev.url}${API}/events`);
    const seen = (await collect(all, 'invocation', 3)) as Array<{ request?: { path: string } }>;
    const last = await fetch(`${s.dev.url}${API}/events`, { headers: { 'last-event-id': '999999' } });
    await fetch(`${s.dev.url}/users/5`);
    const [next] = (await collect(last, 'invocation', 1)) as Array<{ request?: { path: string } }>;
    expect(seen.at(-1)?.request?.path).toBe('/users/4');
    expect(next?.request?.path).toBe('/users/5');
  });
});

describe('with a token (the server listens beyond loopback)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startOn(KITCHEN_SINK, { token: 'test-token-123' });
  });
  afterAll(() => s.stop());

  it('refuses the dashboard and its API without the token, and serves them with it', async () => {
    for (const path of ['/_onefn', '/_onefn/app.js', `${API}/functions`, `${API}/events`]) {
      const res = await fetch(`${s.dev.url}${path}`);
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await fetch(`${s.dev.url}${API}/functions?token=wrong-token-123`)).status).toBe(401);
    expect((await fetch(`${s.dev.url}${API}/functions`, { headers: { authorization: 'Bearer test-token-123' } })).status).toBe(200);
    const page = await (await fetch(`${s.dev.url}/_onefn?token=test-token-123`)).text();
    expect(page).toContain('<meta name="onefn-token" content="test-token-123">');
    expect(s.dev.dashboardUrl).toBe(`${s.dev.url}/_onefn?token=test-token-123`);
    // The functions themselves stay as they would be deployed.
    expect((await fetch(`${s.dev.url}/users/1`)).status).toBe(200);
  });
});

describe('start-up', () => {
  it('names a busy port and how to choose another', async () => {
    const first = await startOn(KITCHEN_SINK);
    const port = Number(new URL(first.dev.url).port);
    try {
      await expect(startDevServer({ entry: first.entry, port, watch: false, print: () => {}, logSink: () => {} })).rejects.toThrow(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port <number> \\(or PORT=<number>\\), or --port 0`),
      );
    } finally {
      await first.stop();
    }
  });

  it('makes a random token when the host is not loopback, and none on loopback', async () => {
    const { isLoopback } = await import('../../src/dev/server.js');
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.2', '127.0.0.1.evil.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('publishes a reload, and a failed build, to the feed and the functions list', async () => {
    const s = await startOn(KITCHEN_SINK);
    try {
      writeFileSync(s.entry, `${KITCHEN_SINK}\nexport const added = defineQueue({ queue: 'added', handler: () => {} });`);
      await s.dev.reload();
      let body = (await (await fetch(`${s.dev.url}${API}/functions`)).json()) as { generation: number; reloadError: string | null; functions: Array<{ name: string }> };
      expect([body.generation, body.reloadError, body.functions.some((f) => f.name === 'added')]).toEqual([2, null, true]);
      writeFileSync(s.entry, 'export const broken = ;');
      await s.dev.reload();
      body = (await (await fetch(`${s.dev.url}${API}/functions`)).json()) as typeof body;
      expect(body.generation).toBe(2);
      expect(body.reloadError).toMatch(/build failed/);
      expect(s.lines).toContainEqual(expect.stringMatching(/^reload failed/));
    } finally {
      await s.stop();
    }
  });
});
