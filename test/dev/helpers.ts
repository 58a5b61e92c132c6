import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer, type DevServerOptions } from 'onefn/cli';
import type { LogEntry } from 'onefn';

/** A module with one function of every kind, written to a temporary directory. */
export const KITCHEN_SINK = `
import { defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, json } from 'onefn';
import { z } from 'zod';

export const getUser = defineHttp({ method: 'GET', route: '/users/:id', env: { GREETING: 'from the definition' }, handler: (req, ctx) => json({ id: req.params.id, greeting: ctx.env.GREETING ?? null, secret: ctx.env.SECRET ?? null, local: ctx.env.LOCAL_ONLY ?? null }) });
export const createUser = defineHttp({ method: 'POST', route: '/users', body: z.object({ name: z.string().min(1), age: z.number().int().min(18) }), handler: (req) => json({ created: req.body.name }, { status: 201 }) });
export const orders = defineQueue({ queue: 'orders', schema: z.object({ id: z.string(), total: z.number().nonnegative() }), handler: (msg, ctx) => { ctx.log.info('order', { id: msg.body.id }); if (msg.body.id === 'boom') throw new Error('order failed'); } });
export const signups = defineTopic({ topic: 'signups', handler: (msg) => { if (msg.body === 'bad') throw new Error('no'); } });
export const uploads = defineStorage({ bucket: 'uploads', prefix: 'images/', handler: (obj, ctx) => { ctx.log.info('object', { key: obj.key }); } });
export const nightly = defineSchedule({ schedule: '30 2 * * *', timeZone: 'Europe/Paris', handler: () => {} });
export const placed = defineCloudEvent({ types: ['order.placed'], handler: (event, ctx) => { ctx.log.info('placed', { data: event.data }); } });
`;

export interface Started {
  readonly dev: DevServer;
  readonly dir: string;
  readonly entry: string;
  readonly lines: string[];
  readonly logs: LogEntry[];
  stop(): Promise<void>;
}

/** Starts the dev server on a module written to a fresh directory; `stop` closes it and removes the directory. */
export async function startOn(source: string, options: Partial<DevServerOptions> = {}, files: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'onefn-dash-'));
  const entry = join(dir, 'api.ts');
  writeFileSync(entry, source);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const lines: string[] = [];
  const logs: LogEntry[] = [];
  const dev = await startDevServer({ entry, port: 0, watch: false, dir, env: {}, print: (l) => lines.push(l), logSink: (e) => logs.push(e), ...options });
  return {
    dev, dir, entry, lines, logs,
    stop: async () => {
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const API = '/_onefn/api/v1';

export async function invoke(dev: DevServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${dev.url}${API}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
