import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePortableInput, startDevServer, type DevServer } from 'onefn/cli';
import { MalformedEventError, type LogEntry } from 'onefn';

/** Sends bytes as they are (fetch refuses to send a malformed request) and reads the whole answer. */
function rawRequest(url: string, text: string): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('close', () => ok(out));
    socket.on('error', fail);
    socket.end(text, 'latin1');
  });
}

/** A fresh path; made in beforeAll, so that a suite skipped by a filter leaves nothing behind. */
const tempPath = (prefix: string): string => join(tmpdir(), `${prefix}${randomUUID()}`);

function problemOf(raw: string): { status: number; contentType: string | undefined; body: { status?: number; detail?: string } } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1];
  return { status, contentType, body: body ? (JSON.parse(body) as { status?: number; detail?: string }) : {} };
}

describe('the dev server answers hostile requests with 4xx problem documents', () => {
  const dir = tempPath('onefn-dev-hostile-');
  const entry = join(dir, 'api.ts');
  let dev: DevServer;
  const printed: string[] = [];
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      entry,
      `import { defineHttp, defineQueue, defineStorage, json, text } from 'onefn';
       export const hi = defineHttp({ route: '/hi', handler: () => text('hi') });
       export const bad = defineHttp({ route: '/bad', standalone: true, handler: () => json({}, { headers: { 'x-a': 'a\\r\\nset-cookie: b=1' } }) });
       export const jobs = defineQueue({ queue: 'jobs', handler: () => {} });
       export const uploads = defineStorage({ bucket: 'b', handler: () => {} });`,
    );
    dev = await startDevServer({ entry, port: 0, watch: false, print: (line) => printed.push(line), logSink: () => {} });
  });
  afterAll(async () => {
    // Undefined when beforeAll failed; the directory goes either way.
    await dev?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a malformed percent-escape in an event name', '/_onefn/events/%zz', 'POST', '{}', 400],
    ['a lone surrogate escape in an event name', '/_onefn/events/%ED%A0%80', 'POST', '{}', 400],
    ['a prototype name', '/_onefn/events/__proto__', 'POST', '{}', 404],
    ['"constructor"', '/_onefn/events/constructor', 'POST', '{}', 404],
    ['"hasOwnProperty"', '/_onefn/events/hasOwnProperty', 'POST', '{}', 404],
    ['an encoded CR/LF in an event name', '/_onefn/events/jobs%0D%0Ax', 'POST', '{}', 404],
    ['an unknown event name', '/_onefn/events/nope', 'POST', '{}', 404],
    ['no event name', '/_onefn/events/', 'POST', '{}', 404],
    ['GET on an event', '/_onefn/events/jobs', 'GET', undefined, 405],
    ['malformed JSON', '/_onefn/events/jobs', 'POST', '{"kind":', 400],
    ['an empty body', '/_onefn/events/jobs', 'POST', '', 400],
    ['JSON null', '/_onefn/events/jobs', 'POST', 'null', 400],
    ['a prototype key as the kind', '/_onefn/events/jobs', 'POST', '{"kind":"__proto__"}', 400],
    ['deeply nested arrays', '/_onefn/events/jobs', 'POST', '['.repeat(50_000) + ']'.repeat(50_000), 400],
    ['a fractional attempt', '/_onefn/events/jobs', 'POST', '{"kind":"message","body":"x","attempt":1.5}', 400],
    ['attempt 0', '/_onefn/events/jobs', 'POST', '{"kind":"message","body":"x","attempt":0}', 400],
    ['an attempt past the safe integers', '/_onefn/events/jobs', 'POST', '{"kind":"message","body":"x","attempt":1e300}', 400],
    ['a negative size', '/_onefn/events/uploads', 'POST', '{"kind":"storage","bucket":"b","key":"k","size":-1}', 400],
    ['a fractional size', '/_onefn/events/uploads', 'POST', '{"kind":"storage","bucket":"b","key":"k","size":0.5}', 400],
    ['an event body over the limit', '/_onefn/events/jobs', 'POST', 'x'.repeat(2 * 1024 * 1024), 413],
    ['a malformed percent-escape in an HTTP path', '/%zz', 'GET', undefined, 400],
    ['an encoded CR/LF in an HTTP path', '/hi%0D%0Aset-cookie:%20a=1', 'GET', undefined, 404],
  ])('%s', async (_name, path, method, body, status) => {
    const res = await fetch(dev.url + path, { method, body });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(((await res.json()) as { status: number }).status).toBe(status);
  });

  it.each([
    ['a raw CR in the request line', 'GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a raw LF in a header value', 'GET /hi HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n', 400],
    ['a space in a header name', 'GET /hi HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400],
    ['an unknown method', 'BREW /hi HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a bad Content-Length', 'POST /hi HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n', 400],
    ['a request line too long', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
  ])('answers %s (refused by the HTTP parser) with a problem document', async (_name, text, status) => {
    const answer = problemOf(await rawRequest(dev.url, text));
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body.status).toBe(status);
  });

  it('takes a portable HTTP input only with a method the clouds deliver', () => {
    expect(() => parsePortableInput({ method: 'BREW', path: '/hi' })).toThrow(MalformedEventError);
    expect(() => parsePortableInput({ method: 'GET /x HTTP/1.1', path: '/hi' })).toThrow(MalformedEventError);
    const input = parsePortableInput({ method: 'post', path: '/hi' });
    expect(input.kind === 'http' && input.request.method).toBe('POST');
  });

  it('routes a request in absolute form by its path, as the clouds do', async () => {
    const answer = await rawRequest(dev.url, 'GET http://example.test/hi HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\n\r\n(2\r\n)?hi/);
  });

  it('keeps serving, and never reports a failure of its own', async () => {
    // A response Node refuses to send is the function's fault: a 500, never the header it smuggled.
    const bad = await fetch(`${dev.url}/bad`);
    expect(bad.status).toBe(500);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(await (await fetch(`${dev.url}/hi`)).text()).toBe('hi');
    expect(printed.filter((line) => /dev server error/.test(line))).toEqual([]);
  });
});

describe('each dev-server invocation gets its own function name, timeout and deadline', () => {
  const dir = tempPath('onefn-dev-deadline-');
  const entry = join(dir, 'api.ts');
  const logs: LogEntry[] = [];
  let dev: DevServer;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      entry,
      `import { defineHttp, defineQueue, json } from 'onefn';
       const seen = (ctx) => json({ left: ctx.deadline - Date.now(), remaining: ctx.remainingMs(), name: ctx.functionName });
       export const short = defineHttp({ route: '/short', timeout: 3, handler: (_r, ctx) => seen(ctx) });
       export const other = defineHttp({ route: '/other', handler: (_r, ctx) => seen(ctx) });
       export const long = defineHttp({ route: '/long', timeout: 7, standalone: true, handler: (_r, ctx) => seen(ctx) });
       export const plain = defineHttp({ route: '/plain', standalone: true, handler: (_r, ctx) => seen(ctx) });
       export const jobs = defineQueue({ queue: 'jobs', timeout: 3, handler: (_m, ctx) => ctx.log.info('left', { left: ctx.deadline - Date.now(), name: ctx.functionName }) });`,
    );
    dev = await startDevServer({ entry, port: 0, watch: false, print: () => {}, logSink: (e) => logs.push(e) });
  });
  afterAll(async () => {
    // Undefined when beforeAll failed; the directory goes either way.
    await dev?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Routed together, /short and /other deploy as one function whose timeout is the longest of theirs.
  it.each([
    ['/short', 3, 'http'],
    ['/other', 3, 'http'],
    ['/long', 7, 'long'],
    ['/plain', 60, 'plain'],
  ])('HTTP %s: deadline about %i s ahead, function %s', async (path, seconds, name) => {
    const seen = (await (await fetch(dev.url + path)).json()) as { left: number; remaining: number; name: string };
    expect(seen.left).toBeLessThanOrEqual(seconds * 1000);
    expect(seen.left).toBeGreaterThan(seconds * 1000 - 1000);
    expect(seen.remaining).toBeGreaterThan(seconds * 1000 - 1000);
    expect(seen.name).toBe(name);
  });

  it('POST /_onefn/events/<name>: the event definition\'s own timeout', async () => {
    const res = await fetch(`${dev.url}/_onefn/events/jobs`, { method: 'POST', body: '{"kind":"message","body":"x"}' });
    expect(res.status).toBe(200);
    const entry = logs.find((e) => e.message === 'left');
    expect(entry?.fields['name']).toBe('jobs');
    expect(entry?.fields['left']).toBeLessThanOrEqual(3000);
    expect(entry?.fields['left']).toBeGreaterThan(2000);
  });
});

describe('dev-server reloads', () => {
  const root = tempPath('onefn-dev-reload-');
  const dir = join(root, 'app');
  // Editors write the new version elsewhere on the same file system, then rename it over the old one.
  const side = join(root, 'side');
  const entry = join(dir, 'api.ts');
  const word = join(dir, 'word.ts');
  // No node_modules above the entry: loaded bundles go to .onefn beside it, inside the watched tree.
  const cache = join(dir, '.onefn');
  const printed: string[] = [];
  const source = (n: number): string => `import { defineHttp, text } from 'onefn';\nimport { word } from './word';\nexport const hi = defineHttp({ route: '/hi', handler: () => text(word + ' ${n}') });\n`;
  const moduleFiles = (): string[] => {
    try {
      return readdirSync(cache).filter((f) => /^module-.*\.mjs$/.test(f));
    } catch {
      return [];
    }
  };
  let dev: DevServer;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    mkdirSync(side, { recursive: true });
    writeFileSync(word, `export const word = 'one';\n`);
    writeFileSync(entry, source(0));
    dev = await startDevServer({ entry, port: 0, watch: true, print: (line) => printed.push(line), logSink: () => {} });
  });
  afterAll(async () => {
    // Undefined when beforeAll failed; the directory goes either way.
    await dev?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function answerBecomes(expected: string): Promise<string> {
    let answer = '';
    for (let i = 0; i < 100 && answer !== expected; i++) {
      await new Promise((r) => setTimeout(r, 50));
      answer = await (await fetch(`${dev.url}/hi`)).text();
    }
    return answer;
  }

  it('does not reload when nothing changed (its own bundle files are no change)', async () => {
    await dev.reload();
    printed.length = 0;
    await new Promise((r) => setTimeout(r, 1000));
    expect(printed.filter((line) => line.startsWith('reloaded'))).toEqual([]);
  });

  it('leaves no module file behind, however many reloads', async () => {
    for (let n = 1; n <= 5; n++) {
      writeFileSync(entry, source(n));
      await dev.reload();
    }
    expect(await (await fetch(`${dev.url}/hi`)).text()).toBe('one 5');
    expect(moduleFiles()).toEqual([]);
  });

  it('sees a module saved by rename over it, twice in a row (how sed -i and many editors save)', async () => {
    for (const n of [6, 7]) {
      writeFileSync(join(side, 'api.ts'), source(n));
      renameSync(join(side, 'api.ts'), entry);
      expect(await answerBecomes(`one ${n}`)).toBe(`one ${n}`);
    }
  });

  it('reloads when a file the module imports changes, by write and by rename', async () => {
    writeFileSync(word, `export const word = 'two';\n`);
    expect(await answerBecomes('two 7')).toBe('two 7');
    writeFileSync(join(side, 'word.ts'), `export const word = 'three';\n`);
    renameSync(join(side, 'word.ts'), word);
    expect(await answerBecomes('three 7')).toBe('three 7');
    expect(moduleFiles()).toEqual([]);
  });
});
