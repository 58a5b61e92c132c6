import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer, type DevServerOptions } from 'onefn/cli';
import type { LogEntry } from 'onefn';

/** A module with one function of every kind (test/dev/fixtures/kitchen-sink.ts), to write to a temporary directory. */
export const KITCHEN_SINK = readFileSync(new URL('./fixtures/kitchen-sink.ts', import.meta.url), 'utf8');


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
