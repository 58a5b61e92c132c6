import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevServer } from 'onefn/cli';
import { afterEach, describe, expect, it } from 'vitest';
import { API, startOn, type Started } from './helpers.js';

// `onefn dev` wires local queues, topics and buckets into every invocation: what a handler sends is
// delivered to the module's own consumers (through the same invoker, so it shows in the feed), and it
// all persists under .onefn/resources.
const SHOP = `
import { bucket, defineCloudEvent, defineHttp, defineQueue, defineStorage, json, queue, topic } from 'onefn';
export const orders = queue('orders');
export const reports = bucket('reports');
export const done = topic('order-done');
export const api = defineHttp({ method: 'POST', route: '/orders', uses: { orders: orders.send }, handler: async (req, ctx) => json(await ctx.resources.orders.send(req.json()), { status: 202 }) });
export const worker = defineQueue({ queue: orders, uses: { reports: reports.write }, handler: async (msg, ctx) => {
  const order = msg.body as { id: string; fail?: boolean };
  if (order.fail) throw new Error('cannot take order ' + order.id);
  await ctx.resources.reports.put('orders/' + order.id + '.json', JSON.stringify(order), { contentType: 'application/json' });
} });
export const onReport = defineStorage({ bucket: reports, changes: ['created'], uses: { done: done.publish }, handler: async (obj, ctx) => {
  await ctx.resources.done.publishEvent({ type: 'com.example.order.done', source: '/orders', data: { key: obj.key } });
} });
export const announce = defineCloudEvent({ types: ['com.example.order.done'], handler: (event, ctx) => ctx.log.info('announced', { data: event.data }) });
`;

/** A message over the portable 48 KiB limit. */
const BIG = JSON.stringify({ body: 'x'.repeat(60 * 1024) });

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 25 });

async function getJson(s: Started, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.dev.url}${API}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function postJson(s: Started, path: string, body: unknown): Promise<Response> {
  return fetch(`${s.dev.url}${API}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

type Msg = { id: string; status: string; attempts: number; consumers: string[]; error: string | null; body: string };
const messagesOf = async (s: Started, path: string): Promise<Msg[]> => (await getJson(s, path)).body['messages'] as Msg[];

/** `s` on a second server over the same folder: `stop` closes that one (the first is closed already), so it is not left writing while the folder goes. */
function restarted(s: Started, dev: Started['dev']): Started {
  return { ...s, dev, stop: async () => { await dev.close(); rmSync(s.dir, { recursive: true, force: true }); } };
}

describe('local resources in onefn dev', () => {
  let s: Started | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('lists what each function sends to: its declared queues, topics and buckets with their actions', async () => {
    s = await startOn(SHOP);
    const { status, body } = await getJson(s, '/functions');
    expect(status).toBe(200);
    const fns = body['functions'] as Array<{ name: string; uses: Array<{ kind: string; name: string; actions: string[] }> }>;
    expect(fns.find((f) => f.name === 'api')?.uses).toEqual([{ kind: 'queue', name: 'orders', actions: ['send'] }]);
    expect(fns.find((f) => f.name === 'worker')?.uses).toEqual([{ kind: 'bucket', name: 'reports', actions: ['write'] }]);
  });

  it('runs HTTP -> queue -> worker -> bucket -> storage handler -> topic -> CloudEvent consumer, and reports each run', async () => {
    s = await startOn(SHOP);
    const res = await fetch(`${s.dev.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o-1', total: 3 }) });
    expect(res.status).toBe(202);
    await poll(() => s!.logs.map((e) => e.message)).toContain('announced');
    const queue = await messagesOf(s, '/resources/queues/orders');
    expect(queue).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, consumers: ['worker'], body: '{"id":"o-1","total":3}' })]);
    const objects = (await getJson(s, '/resources/buckets/reports')).body['objects'];
    expect(objects).toEqual([expect.objectContaining({ key: 'orders/o-1.json', contentType: 'application/json', size: 22 })]);
    const topicMessages = await messagesOf(s, '/resources/topics/order-done');
    expect(topicMessages).toEqual([expect.objectContaining({ status: 'delivered', consumers: ['announce'] })]);
    // Every run shows as an access line, as the HTTP request does.
    for (const fn of ['worker', 'onReport', 'announce']) expect(s.lines.some((l) => l.includes(fn) && l.includes('EVENT'))).toBe(true);
    const index = (await getJson(s, '/resources')).body;
    expect(index['queues']).toEqual([{ name: 'orders', kind: 'queue', pending: 0, delivered: 1, failed: 0 }]);
    expect(index['buckets']).toEqual([{ name: 'reports', objects: 1 }]);
  });

  it('retries a failing message, reports it failed, and redelivers it on request', async () => {
    s = await startOn(SHOP);
    const sent = await postJson(s, '/resources/queues/orders/messages', { body: { id: 'o-2', fail: true } });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await poll(async () => (await messagesOf(s!, '/resources/queues/orders'))[0]?.status).toBe('failed');
    const [failed] = await messagesOf(s, '/resources/queues/orders');
    expect(failed).toMatchObject({ id, attempts: 3, error: 'cannot take order o-2' });
    expect(s.lines.filter((l) => l.includes('worker') && l.includes('1/1 failed'))).toHaveLength(3);
    expect(s.lines.some((l) => l.includes('failed 3 times'))).toBe(true);
    const again = await postJson(s, `/resources/queues/orders/messages/${id}/redeliver`, {});
    expect(again.status).toBe(202);
    await poll(async () => (await messagesOf(s!, '/resources/queues/orders'))[0]?.attempts).toBe(6);
    // A delivered message cannot be redelivered; an unknown one is a 404.
    await postJson(s, '/resources/queues/orders/messages', { body: { id: 'o-3' } });
    await poll(async () => (await messagesOf(s!, '/resources/queues/orders')).find((m) => m.body.includes('o-3'))?.status).toBe('delivered');
    const ok = (await messagesOf(s, '/resources/queues/orders')).find((m) => m.body.includes('o-3')) as Msg;
    expect((await postJson(s, `/resources/queues/orders/messages/${ok.id}/redeliver`, {})).status).toBe(409);
    expect((await postJson(s, '/resources/queues/orders/messages/nope/redeliver', {})).status).toBe(404);
  });

  it('uploads, downloads and deletes objects; an upload runs the storage handler', async () => {
    s = await startOn(SHOP);
    const url = `${s.dev.url}${API}/resources/buckets/reports/objects/in/a%20b.txt`;
    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(put.status).toBe(201);
    await poll(async () => (await messagesOf(s!, '/resources/topics/order-done')).length).toBe(1);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/plain');
    expect(got.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''a%20b.txt");
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await got.text()).toBe('hello');
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps messages and objects in .onefn/resources across a restart', async () => {
    s = await startOn(SHOP);
    const first = s;
    await fetch(`${s.dev.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o-9', total: 1 }) });
    await poll(async () => (await getJson(first, '/resources/buckets/reports')).body['objects']).toHaveLength(1);
    await s.dev.close();
    const file = join(s.dir, '.onefn', 'resources', 'state.json');
    expect(existsSync(file)).toBe(true);
    const dev = await startDevServer({ entry: s.entry, port: 0, watch: false, dir: s.dir, env: {}, print: () => {}, logSink: () => {} });
    s = { ...first, dev };
    expect((await getJson(s, '/resources/buckets/reports')).body['objects']).toEqual([expect.objectContaining({ key: 'orders/o-9.json' })]);
    expect(await messagesOf(s, '/resources/queues/orders')).toEqual([expect.objectContaining({ status: 'delivered' })]);
  });

  it('delivers, at the next start, a message that was pending when the server stopped', async () => {
    const consumerless = `import { defineHttp, json, queue } from 'onefn';\nexport const jobs = queue('jobs');\nexport const api = defineHttp({ method: 'POST', route: '/jobs', uses: { jobs: jobs.send }, handler: async (req, ctx) => json(await ctx.resources.jobs.send(req.json())) });\n`;
    s = await startOn(consumerless);
    await fetch(`${s.dev.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    await poll(async () => (await messagesOf(s!, '/resources/queues/jobs'))[0]?.status).toBe('pending');
    await s.dev.close();
    writeFileSync(s.entry, `${consumerless}import { defineQueue } from 'onefn';\nexport const runJob = defineQueue({ queue: jobs, handler: (msg, ctx) => ctx.log.info('ran job', { body: msg.body }) });\n`);
    const dev = await startDevServer({ entry: s.entry, port: 0, watch: false, dir: s.dir, env: {}, print: () => {}, logSink: () => {} });
    s = restarted(s, dev);
    await poll(async () => (await messagesOf(s!, '/resources/queues/jobs'))[0]?.status).toBe('delivered');
  });

  it('sets an unreadable state file aside and starts empty', async () => {
    s = await startOn(SHOP, {}, {});
    await s.dev.close();
    const file = join(s.dir, '.onefn', 'resources', 'state.json');
    writeFileSync(file, '{"format": 1, "counter": "x"');
    const lines: string[] = [];
    const dev = await startDevServer({ entry: s.entry, port: 0, watch: false, dir: s.dir, env: {}, print: (l) => lines.push(l), logSink: () => {} });
    s = restarted(s, dev);
    expect(lines.some((l) => l.includes('not a saved state'))).toBe(true);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe('{"format": 1, "counter": "x"');
    expect((await getJson(s, '/resources')).body['queues']).toEqual([{ name: 'orders', kind: 'queue', pending: 0, delivered: 0, failed: 0 }]);
  });

  it.each([
    ['GET', '/resources/queues/Bad_Name', undefined, 400],
    ['GET', '/resources/queues/%E0%A4%A', undefined, 400],
    ['GET', '/resources/widgets/x', undefined, 404],
    ['GET', '/resources/__proto__/orders', undefined, 404],
    ['GET', '/resources/queues/orders/nothing', undefined, 404],
    ['DELETE', '/resources/queues/orders', undefined, 405],
    ['POST', '/resources/queues/orders/messages', '{"body":', 400],
    ['POST', '/resources/queues/orders/messages', '{"bdy": 1}', 400],
    ['POST', '/resources/queues/orders/messages', '{"body": 1, "attributes": {"a": "b"}}', 400],
    ['POST', '/resources/topics/order-done/messages', '{"body": 1, "attributes": {"a": 2}}', 400],
    ['POST', '/resources/queues/orders/messages', BIG, 413],
    ['GET', '/resources/buckets/reports/objects/a%0Db', undefined, 400],
    ['PUT', '/resources/buckets/reports/objects/ends-with/', 'x', 400],
    ['GET', '/resources/buckets/reports/objects/missing.txt', undefined, 404],
  ])('%s %s -> %i problem', async (method, path, body, status) => {
    s ??= await startOn(SHOP);
    const res = await fetch(`${s.dev.url}${API}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { detail: string };
    expect(problem.detail).not.toMatch(/\n\s+at /);
  });

  it('refuses a message sent without a JSON content type', async () => {
    s = await startOn(SHOP);
    const res = await fetch(`${s.dev.url}${API}/resources/queues/orders/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"body":1}' });
    expect(res.status).toBe(415);
    expect(await messagesOf(s, '/resources/queues/orders')).toEqual([]);
  });
});

describe('local resources, hostile consumers', () => {
  it('closes promptly while a consumer hangs, and writes nothing after', async () => {
    const s = await startOn(`import { defineQueue } from 'onefn';\nexport const stuck = defineQueue({ queue: 'stuck', handler: () => new Promise(() => {}) });\n`);
    const res = await fetch(`${s.dev.url}${API}/resources/queues/stuck/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"body": 1}' });
    expect(res.status).toBe(202);
    const started = Date.now();
    await s.stop();
    // The hanging run is left behind (its 60 s timeout has not come), and the folder stays removed.
    expect(Date.now() - started).toBeLessThan(4_000);
    await new Promise((ok) => setTimeout(ok, 50));
    expect(existsSync(s.dir)).toBe(false);
  });

  it('names a downloaded object safely, whatever its key', async () => {
    const s = await startOn(`import { defineStorage } from 'onefn';\nexport const seen = defineStorage({ bucket: 'files', handler: () => {} });\n`);
    try {
      const url = `${s.dev.url}${API}/resources/buckets/files/objects/${encodeURIComponent("it's (1)*.txt")}`;
      expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(201);
      const got = await fetch(url);
      expect(got.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''it%27s%20%281%29%2A.txt");
      expect(got.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    } finally {
      await s.stop();
    }
  });
});

describe('examples/orders in onefn dev', () => {
  it('runs end to end: POST /orders -> queue -> worker -> bucket -> storage handler -> topic; the report link then answers', async () => {
    // The example's own code, served from a temporary directory: under vitest a module inside the
    // repository would import the built onefn while the server runs from the sources (two copies);
    // `onefn dev examples/orders/app.ts` itself runs with one.
    const example = readFileSync(fileURLToPath(new URL('../../examples/orders/app.ts', import.meta.url)), 'utf8');
    const s = await startOn(example);
    const { dev, lines } = s;
    try {
      const missing = await fetch(`${dev.url}/orders/o-7/report`);
      expect(missing.status).toBe(404);
      const res = await fetch(`${dev.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o-7', total: 12.5 }) });
      expect(res.status).toBe(202);
      const get = async (path: string) => (await (await fetch(`${dev.url}${API}${path}`)).json()) as Record<string, unknown>;
      await poll(async () => ((await get('/resources/topics/order-done'))['messages'] as unknown[]).length).toBe(1);
      expect((await get('/resources/queues/orders'))['messages']).toEqual([expect.objectContaining({ status: 'delivered', consumers: ['worker'] })]);
      expect((await get('/resources/buckets/reports'))['objects']).toEqual([expect.objectContaining({ key: 'orders/o-7.json', contentType: 'application/json' })]);
      const object = await fetch(`${dev.url}${API}/resources/buckets/reports/objects/orders/o-7.json`);
      expect(await object.json()).toEqual({ id: 'o-7', total: 12.5 });
      const report = await fetch(`${dev.url}/orders/o-7/report`);
      expect(report.status).toBe(200);
      // The signed link is the dev server's own: it downloads the report.
      const { url } = (await report.json()) as { url: string };
      expect(url).toBe(`${dev.url}${API}/resources/buckets/reports/objects/orders/o-7.json?method=GET&expires=300`);
      expect(await (await fetch(url)).json()).toEqual({ id: 'o-7', total: 12.5 });
      // The schema of the queue holds at the producer: a bad order never reaches the queue.
      const bad = await fetch(`${dev.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'O 7', total: -1 }) });
      expect(bad.status).toBe(400);
      expect((await get('/resources/queues/orders'))['messages']).toHaveLength(1);
      expect(lines.filter((l) => /EVENT (worker|onReport)/.test(l))).toHaveLength(2);
    } finally {
      await s.stop();
    }
  });
});
