import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CommandReport } from 'onefn/cli';
import { httpApiEvent, snsEvent, sqsEvent } from '@onefn/aws/testing';
import { fixture } from './fixtures.js';

const ENTRY = fileURLToPath(new URL('./app/index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'onefn-aws-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: dir, env: {} } };
}

/** `onefn <command> aws <positionals> --flags`, through the one shell, as a user runs it. */
function cli(command: string) {
  return (args: { positionals: string[]; options: Record<string, string | boolean> }, io: Parameters<typeof runCli>[1]): Promise<number> =>
    runCli([command, 'aws', ...args.positionals, ...Object.entries(args.options).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]))], io);
}

function eventFile(name: string, event: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof event === 'string' ? event : JSON.stringify(event));
  return path;
}

describe('onefn invoke aws', () => {
  it('routes an HTTP event among the module HTTP definitions and prints the Lambda result', async () => {
    const t = io();
    const code = await cli('invoke')({ positionals: [ENTRY], options: { event: eventFile('v2.json', httpApiEvent({ method: 'POST', path: '/hello/Ada', json: {} })) } }, t.io);
    expect(t.err.filter((l) => !l.includes('"greeting"'))).toEqual([]);
    expect(code).toBe(0);
    const result = JSON.parse(t.out.join('')) as { statusCode: number; cookies: string[]; body: string };
    expect(result.statusCode).toBe(201);
    expect(result.cookies).toEqual(['seen=1', 'theme=dark']);
    expect(JSON.parse(result.body)).toMatchObject({ message: 'Hello, Ada!' });
  });

  it('exits 0 with a 404 result: the adapter answered', async () => {
    const t = io();
    expect(await cli('invoke')({ positionals: [ENTRY], options: { event: eventFile('miss.json', fixture('apigateway-rest/rest-proxy-no-auth.json')) } }, t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ statusCode: 404 });
  });

  it('picks the one definition that serves an SQS event', async () => {
    const t = io();
    const event = sqsEvent([{ id: 'a', body: {} }, { id: 'b', body: { fail: true } }]);
    expect(await cli('invoke')({ positionals: [ENTRY], options: { event: eventFile('sqs.json', event) } }, t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
  });

  it('prints a failed SNS message as Lambda\'s error answer and exits 0: the adapter answered', async () => {
    const t = io();
    expect(await cli('invoke')({ positionals: [ENTRY], options: { event: eventFile('sns.json', snsEvent({ id: 's-1', body: { fail: true } })) } }, t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ errorType: 'EVENT_FAILED', errorMessage: expect.stringContaining('s-1') });
  });

  it.each([
    ['an event no function serves', { event: 'kinesis' }, 1, /^onefn: Unsupported event: received a Kinesis stream event, this function serves the module's functions \(http, orders\)\n$/],
    ['a malformed event', { event: 'malformed' }, 1, /^onefn: Malformed event: rawPath must be a string\n$/],
    ['an unreadable file', { event: 'missing' }, 2, /^onefn: cannot read .*missing\.json: ENOENT\n$/],
    ['an unknown --function', { event: 'sqs', function: 'nope' }, 2, /^onefn: no function "nope"; the module plans into http, orders\n$/],
  ])('exits non-zero with one line for %s', async (_name, options, exit, message) => {
    const files: Record<string, string> = {
      kinesis: eventFile('kinesis.json', fixture('kinesis/kinesis-stream-two-records.json')),
      malformed: eventFile('bad.json', { ...httpApiEvent(), rawPath: 7 }),
      missing: join(dir, 'missing.json'),
      sqs: eventFile('sqs2.json', sqsEvent([{ body: 1 }])),
    };
    const t = io();
    const code = await cli('invoke')({ positionals: [ENTRY], options: { ...options, event: files[options.event]! } }, t.io);
    expect(code).toBe(exit);
    expect(t.err).toHaveLength(1);
    expect(t.err[0]).toMatch(message);
    expect(t.out).toEqual([]);
  });
});

describe('onefn build aws', () => {
  it('writes one deterministic zip per function', async () => {
    const first = io();
    expect(await cli('build')({ positionals: [ENTRY], options: { out: join(dir, 'a'), json: true } }, first.io)).toBe(0);
    const second = io();
    expect(await cli('build')({ positionals: [ENTRY], options: { out: join(dir, 'b'), json: true } }, second.io)).toBe(0);
    type Report = CommandReport & { functions: Array<{ detail: { handler: string } }>; artifacts: Array<{ path: string; sha256: string }> };
    const a = JSON.parse(first.out.join('')) as Report;
    const b = JSON.parse(second.out.join('')) as Report;
    expect(a.functions.map((x) => [x.name, x.action, x.detail.handler])).toEqual([['http', 'built', 'index.handler'], ['orders', 'built', 'index.handler']]);
    expect(a.artifacts.map((x) => x.sha256)).toEqual(b.artifacts.map((x) => x.sha256));
    expect(a.artifacts[0]!.sha256).toBe(createHash('sha256').update(readFileSync(a.artifacts[0]!.path)).digest('hex'));
    expect(readFileSync(a.artifacts[0]!.path).equals(readFileSync(b.artifacts[0]!.path))).toBe(true);
    expect(a.artifacts[0]!.sha256).not.toBe(a.artifacts[1]!.sha256);
  });

  it('builds an HTTP function for payload 2.0 by default, and for every HTTP source with --http-events all', async () => {
    const read = async (options: Record<string, string | boolean>): Promise<string> => {
      const t = io();
      expect(await cli('build')({ positionals: [ENTRY], options: { function: 'http', json: true, ...options } }, t.io)).toBe(0);
      const [built] = (JSON.parse(t.out.join('')) as { artifacts: Array<{ path: string }> }).artifacts;
      const { unzipSync } = await import('fflate');
      return new TextDecoder().decode(unzipSync(readFileSync(built!.path))['index.mjs']);
    };
    const v2 = await read({ out: join(dir, 'v2') });
    const all = await read({ out: join(dir, 'all'), 'http-events': 'all' });
    // ALB answers carry a statusDescription, and REST answers multiValueHeaders: only `all` has them.
    expect(v2).not.toContain('statusDescription');
    expect(v2).not.toContain('multiValueHeaders');
    expect(all).toContain('statusDescription');
    expect(all).toContain('multiValueHeaders');
    expect(v2.length).toBeLessThan(all.length);

    const bad = io();
    expect(await cli('build')({ positionals: [ENTRY], options: { out: join(dir, 'x'), 'http-events': 'rest' } }, bad.io)).toBe(2);
    expect(bad.err.join('')).toContain('--http-events must be one of v2, all');
  });

  it('deploy --dry-run prints the plan without calls, and bad options exit 1 naming the option', async () => {
    const t = io();
    expect(await cli('deploy')({ positionals: [ENTRY], options: { region: 'us-east-1', 'create-role': true, 'dry-run': true, json: true } }, t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ dryRun: true, functions: [{ name: 'http', action: 'planned' }, { name: 'orders', action: 'planned' }] });
    const bad = io();
    expect(await cli('deploy')({ positionals: [ENTRY], options: { region: 'us-east-1', 'create-role': true, timeout: '901' } }, bad.io)).toBe(1);
    expect(bad.err).toEqual(['onefn: Invalid option "timeout": must be a whole number of seconds from 1 to 900 on Lambda, got 901\n']);
  });
});
