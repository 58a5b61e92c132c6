import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIO } from 'onefn/cli';
import { accessLine } from '../../src/dev/access-log.js';
import { exampleFrom } from '../../src/dev/describe.js';
import { layeredEnv, readEnvFiles } from '../../src/dev/env-files.js';

const dir = mkdtempSync(join(tmpdir(), 'onefn-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the access line', () => {
  it('has method, path, status, milliseconds and function', () => {
    expect(accessLine('POST', '/hello', 400, 2.14, 'http')).toBe('POST /hello 400 2.1ms http');
    expect(accessLine('GET', '/slow', 200, 1234.5, 'api')).toBe('GET /slow 200 1235ms api');
  });

  it('cannot be made to forge a second line, nor grow without bound', () => {
    const line = accessLine('GET', '/a\r\nGET /admin 200 1ms root\u0000', 404, 1, 'http');
    expect(line).toBe('GET /a%0D%0AGET /admin 200 1ms root%00 404 1.0ms http');
    expect(accessLine('GET', `/${'x'.repeat(5000)}`, 404, 1, 'http').length).toBeLessThan(230);
  });
});

describe('environment layering', () => {
  it('puts the definition env under .env, .env.local and the shell, in a record without a prototype', () => {
    writeFileSync(join(dir, '.env'), 'A=env\nB=env\nC=env\n# a comment\nQUOTED="two words"\n');
    writeFileSync(join(dir, '.env.local'), 'B=local\nC=local\n');
    const files = readEnvFiles(dir);
    expect(files.found).toEqual(['.env', '.env.local']);
    const env = layeredEnv({ A: 'definition', D: 'definition', __proto__: 'x' } as Record<string, string>, files.values, { C: 'shell' });
    expect({ ...env }).toEqual({ A: 'env', D: 'definition', B: 'local', C: 'shell', QUOTED: 'two words' });
    expect(Object.getPrototypeOf(env)).toBeNull();
  });

  it('reads no file where there is none', () => {
    expect(readEnvFiles(join(dir, 'nowhere'))).toEqual({ values: {}, found: [] });
  });
});

describe('examples generated from JSON Schema', () => {
  it.each([
    [{ type: 'object', properties: { name: { type: 'string', minLength: 3 }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name', 'tags'] }, { name: 'example', tags: ['example'] }],
    [{ type: 'object', properties: { a: { type: 'integer', minimum: 5 }, b: { type: 'number' } }, required: ['a'] }, { a: 5 }],
    [{ enum: ['red', 'green'] }, 'red'],
    [{ anyOf: [{ type: 'null' }, { type: 'boolean' }] }, true],
    [{ type: 'string', format: 'email' }, 'ada@example.com'],
    [{ type: 'string', maxLength: 3 }, 'exa'],
    [JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}') as object, JSON.parse('{"__proto__":"example"}') as object],
  ])('%j -> %j', (schema, expected) => {
    const value = exampleFrom(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>);
    expect(value).toEqual(expected);
  });

  it('stops on a schema that refers to itself without end', () => {
    const loop: Record<string, unknown> = { type: 'object', required: ['next'], properties: {} };
    (loop['properties'] as Record<string, unknown>)['next'] = loop;
    expect(JSON.stringify(exampleFrom(loop))).toMatch(/^(\{"next":){7}null(\}){7}$/);
  });
});

describe('onefn invoke local', () => {
  it("gives the definition's env, under the shell's", async () => {
    const entry = join(dir, 'env.ts');
    writeFileSync(entry, `import { defineHttp, defineQueue, json } from 'onefn';
      export const a = defineHttp({ route: '/a', env: { WHO: 'definition', KEEP: 'definition' }, handler: (req, ctx) => json({ who: ctx.env.WHO, keep: ctx.env.KEEP }) });
      export const jobs = defineQueue({ queue: 'jobs', env: { WHO: 'queue' }, handler: (m, ctx) => { if (ctx.env.WHO !== 'queue') throw new Error('no env'); } });`);
    writeFileSync(join(dir, 'get.json'), JSON.stringify({ method: 'GET', path: '/a' }));
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ kind: 'message', body: 1 }));
    let out = '';
    const io: CliIO = { stdout: (t) => void (out += t), stderr: () => {}, cwd: dir, env: { WHO: 'shell' } };
    expect(await runCli(['invoke', 'local', entry, '--event', 'get.json'], io)).toBe(0);
    expect(JSON.parse((JSON.parse(out) as { body: string }).body)).toEqual({ who: 'shell', keep: 'definition' });
    out = '';
    expect(await runCli(['invoke', 'local', entry, '--event', 'job.json'], { ...io, env: {} })).toBe(0);
    expect((JSON.parse(out) as { failed: string[] }).failed).toEqual([]);
  });
});

describe("a schedule's next due times", () => {
  it('are computed in its time zone, three of them, in order', async () => {
    const { nextTimes } = await import('../../src/dev/dashboard/forms.js');
    const times = nextTimes('30 2 * * *', 'Europe/Paris', 3);
    expect(times).toHaveLength(3);
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (const t of times) expect(paris.format(new Date(t))).toBe('02:30');
    expect([...times].sort()).toEqual(times);
    expect(Date.parse(times[0] as string)).toBeGreaterThan(Date.now());
    // A day-of-month and a day-of-week both set match either, as in unix cron.
    const either = nextTimes('0 0 13 * FRI', 'UTC', 10).map((t) => new Date(t));
    expect(either.some((d) => d.getUTCDay() === 5 && d.getUTCDate() !== 13)).toBe(true);
    expect(nextTimes('not a cron', 'UTC')).toEqual([]);
  });
});
