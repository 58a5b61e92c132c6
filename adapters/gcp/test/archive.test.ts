import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { buildArchive } from '@onefn/gcp/deploy';
import { pubsubEvent } from '@onefn/gcp/testing';

const app = fileURLToPath(new URL('./app/app.ts', import.meta.url));
const repoModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const cli = join(repoModules, '@google-cloud/functions-framework/build/src/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`functions-framework exited ${child.exitCode}: ${output()}`);
    try {
      await fetch(url, { method: 'OPTIONS' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`functions-framework did not start: ${output()}`);
}

/** Unpacks the archive in a temp folder and starts `functions-framework --target` on loopback. */
async function start(zip: Uint8Array, target: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'onefn-gcp-'));
  dirs.push(dir);
  for (const [path, data] of Object.entries(unzipSync(zip))) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  // The framework comes from the repository's node_modules rather than an install (no network).
  symlinkSync(repoModules, join(dir, 'node_modules'), 'dir');
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [cli, `--target=${target}`, `--port=${port}`, `--source=${dir}`], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', K_SERVICE: target, GOOGLE_CLOUD_PROJECT: 'p' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, () => out);
  return { url, child, output: () => out };
}

describe('a built archive under the functions-framework CLI', () => {
  it('is deterministic and carries main and the framework dependency', async () => {
    const a = await buildArchive({ entry: app, routedName: 'api' });
    const b = await buildArchive({ entry: app, routedName: 'api' });
    expect(Buffer.from(a.zip).equals(Buffer.from(b.zip))).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    const pkg = JSON.parse(String(a.files['package.json'])) as Record<string, unknown>;
    expect(pkg).toMatchObject({ main: 'index.js', type: 'module', dependencies: { '@google-cloud/functions-framework': '5.0.5' } });
    expect(Object.keys(unzipSync(a.zip)).sort()).toEqual(['index.js', 'package.json']);
    expect(String(a.files['index.js'])).not.toContain('/work/');
    expect(a.plans.map((p) => p.name)).toEqual(['api', 'orders']);
  });

  it('serves the routed HTTP function and an event function, then stops', async () => {
    const { zip } = await buildArchive({ entry: app, routedName: 'api' });
    const api = await start(zip, 'api');
    const res = await fetch(`${api.url}/hello?name=Ada`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hello, Ada!', fn: 'api' });
    expect((await fetch(`${api.url}/nope`)).status).toBe(404);

    const orders = await start(zip, 'orders');
    const event = pubsubEvent({ json: { id: 7 }, messageId: 'arch-1' });
    const ev = await fetch(orders.url, { method: 'POST', headers: event.headers, body: event.body as string });
    expect(ev.status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    const line = orders.output().split('\n').find((l) => l.includes('"order"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ severity: 'INFO', message: 'order', id: 'arch-1', requestId: 'arch-1' });

    for (const child of [api.child, orders.child]) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    }
  });
});
