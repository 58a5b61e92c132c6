import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';

// These run the built binary (`npx tsup` first): the real process, its signals, its exit code.
const repo = new URL('../../', import.meta.url).pathname;
const bin = join(repo, 'dist/cli/main.js');
// Where the binary puts each loaded bundle of an entry below the repository.
const cache = join(repo, 'node_modules/.cache/onefn');

interface Running {
  child: ChildProcessByStdio<null, null, Readable>;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A project directory below the repository, so that `onefn` resolves to the built package. */
function project(): { dir: string; side: string } {
  mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
  const root = mkdtempSync(join(repo, 'node_modules/.cache/onefn-bin-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'app');
  const side = join(root, 'side');
  mkdirSync(dir);
  mkdirSync(side);
  return { dir, side };
}

function start(entry: string, args: string[] = ['--port', '0']): Running {
  const child = spawn(process.execPath, [bin, 'dev', entry, ...args], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  cleanups.push(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, url: '', output: () => output, exited };
}

async function serving(entry: string): Promise<Running> {
  const running = start(entry);
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL printed: ${running.output()}`)), 20_000);
    const look = (): void => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\n(?:.*\n)*?  \S/.exec(running.output());
      if (m) {
        clearTimeout(timer);
        running.child.stderr.off('data', look);
        ok(m[1] as string);
      }
    };
    running.child.stderr.on('data', look);
    void running.exited.then((code) => fail(new Error(`exited ${code}: ${running.output()}`)));
  });
  return { ...running, url };
}

async function answerBecomes(url: string, expected: string): Promise<string> {
  let answer = '';
  for (let i = 0; i < 100 && answer !== expected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await (await fetch(url)).text();
  }
  return answer;
}

const leftBundles = (pid: number | undefined): string[] => {
  try {
    return readdirSync(cache).filter((f) => f.startsWith(`module-${pid}-`));
  } catch {
    return [];
  }
};

describe('the built onefn binary', () => {
  it('serves the hello example, reloads on a change beside the entry, and stops on SIGTERM', async () => {
    const { dir } = project();
    const entry = join(dir, 'app.ts');
    const source = (word: string) => `import { defineHttp, text } from 'onefn';\nexport const hi = defineHttp({ route: '/hi', handler: () => text('${word}') });\n`;
    writeFileSync(entry, source('one'));
    const dev = await serving(entry);
    expect(dev.output()).toMatch(/ANY\s+http:\/\/127\.0\.0\.1:\d+\/hi\s+\(hi\)/);
    expect(await (await fetch(`${dev.url}/hi`)).text()).toBe('one');
    writeFileSync(entry, source('two'));
    expect(await answerBecomes(`${dev.url}/hi`, 'two')).toBe('two');
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
  });

  it('logs a handler\'s stray errors (a throwing timer, a rejection nobody awaits) with the function\'s name, and keeps serving', async () => {
    const { dir } = project();
    const entry = join(dir, 'app.ts');
    writeFileSync(
      entry,
      `import { defineHttp, text } from 'onefn';
       export const ok = defineHttp({ route: '/ok', handler: () => text('ok') });
       export const timer = defineHttp({ route: '/timer', standalone: true, handler: () => { setTimeout(() => { throw new Error('timer boom'); }, 5); return text('later'); } });
       export const reject = defineHttp({ route: '/reject', standalone: true, name: 'rejecter', handler: async () => { void Promise.reject(new Error('nobody awaits')); await new Promise((r) => setTimeout(r, 1)); return text('soon'); } });`,
    );
    const dev = await serving(entry);
    expect(await (await fetch(`${dev.url}/timer`)).text()).toBe('later');
    expect(await (await fetch(`${dev.url}/reject`)).text()).toBe('soon');
    // The log lines come through a pipe of their own; give them time on a busy machine.
    for (let i = 0; i < 50 && !/timer boom[\s\S]*nobody awaits|nobody awaits[\s\S]*timer boom/.test(dev.output()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await (await fetch(`${dev.url}/ok`)).text()).toBe('ok');
    const lines = dev.output().split('\n');
    const timerLine = lines.find((l) => l.includes('timer boom'));
    const rejectLine = lines.find((l) => l.includes('nobody awaits'));
    expect(timerLine).toMatch(/ERROR.*uncaught exception/i);
    expect(timerLine).toContain('"function":"timer"');
    expect(rejectLine).toMatch(/ERROR.*unhandled rejection/i);
    expect(rejectLine).toContain('"function":"rejecter"');
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
  });

  it('sees a module saved by rename, twice in a row, and a change in a file it imports', async () => {
    const { dir, side } = project();
    const entry = join(dir, 'app.ts');
    const source = (n: number) => `import { defineHttp, text } from 'onefn';\nimport { word } from './lib/word';\nexport const hi = defineHttp({ route: '/hi', handler: () => text(word + ${n}) });\n`;
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib/word.ts'), `export const word = 'a';\n`);
    writeFileSync(entry, source(0));
    const dev = await serving(entry);
    for (const n of [1, 2]) {
      // How sed -i and many editors save: a new file, renamed over the old one.
      writeFileSync(join(side, 'app.ts'), source(n));
      renameSync(join(side, 'app.ts'), entry);
      expect(await answerBecomes(`${dev.url}/hi`, `a${n}`)).toBe(`a${n}`);
    }
    writeFileSync(join(dir, 'lib/word.ts'), `export const word = 'b';\n`);
    expect(await answerBecomes(`${dev.url}/hi`, 'b2')).toBe('b2');
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('leaves no loaded bundle behind after reloads and %s', async (signal) => {
    const { dir } = project();
    const entry = join(dir, 'app.ts');
    const source = (n: number) => `import { defineHttp, text } from 'onefn';\nexport const hi = defineHttp({ route: '/hi', handler: () => text('v${n}') });\n`;
    writeFileSync(entry, source(0));
    const dev = await serving(entry);
    for (const n of [1, 2, 3]) {
      writeFileSync(entry, source(n));
      expect(await answerBecomes(`${dev.url}/hi`, `v${n}`)).toBe(`v${n}`);
    }
    expect(leftBundles(dev.child.pid)).toEqual([]);
    dev.child.kill(signal);
    expect(await dev.exited).toBe(0);
    expect(leftBundles(dev.child.pid)).toEqual([]);
  });

  it('leaves no loaded bundle behind when it exits because its port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    cleanups.push(() => taken.close());
    const { dir } = project();
    const entry = join(dir, 'app.ts');
    writeFileSync(entry, `import { defineHttp, text } from 'onefn';\nexport const hi = defineHttp({ handler: () => text('hi') });\n`);
    const port = (taken.address() as AddressInfo).port;
    const dev = start(entry, ['--port', String(port)]);
    expect(await dev.exited).toBe(1);
    // It names the port and how to choose another, in one line.
    expect(dev.output()).toContain(`onefn: port ${port} on 127.0.0.1 is already in use; choose another with --port <number> (or PORT=<number>), or --port 0 for any free port\n`);
    expect(leftBundles(dev.child.pid)).toEqual([]);
  });
});
