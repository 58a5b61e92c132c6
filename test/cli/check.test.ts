// `onefn check <entry>`: a module's own definitions, run locally and through every adapter on
// generated native events; the same answer everywhere, or the difference; options a provider cannot
// honour; exit 1 on either. The README's examples must pass it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineTopic, json } from 'onefn';
import { planFunctions } from 'onefn/runtime';
import { portabilityFindings, type CheckReport, type PortabilityFinding } from 'onefn/cli';
import { run } from './run.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repo, so that the modules' `onefn` and `zod` imports resolve as a project's would.
// A fresh clone has no node_modules/.cache until something writes there.
mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(join(repo, 'node_modules/.cache/onefn-check-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function module(source: string): string {
  const path = join(dir, `m${++files}.ts`);
  writeFileSync(path, source);
  return path;
}

async function report(entry: string, ...flags: string[]): Promise<{ code: number; report: CheckReport; err: string }> {
  const res = await run(['check', entry, '--json', ...flags]);
  return { code: res.code, report: JSON.parse(res.out) as CheckReport, err: res.err };
}

/** Every module under examples/ that is not a test: the README's examples. */
function exampleEntries(): string[] {
  const root = join(repo, 'examples');
  return readdirSync(root).flatMap((name) =>
    readdirSync(join(root, name))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => `examples/${name}/${file}`),
  );
}

describe('onefn check on the examples', () => {
  it('finds the examples', () => {
    expect(exampleEntries()).toEqual(expect.arrayContaining(['examples/hello/index.ts', 'examples/users/api.ts', 'examples/users/worker.ts']));
  });

  it.each(exampleEntries())('%s: the same answer on every provider, no blockers, exit 0', async (entry) => {
    const res = await run(['check', entry]);
    expect(res.err).toMatch(/^checking \d+ functions? with \d+ inputs, locally and through aws, gcp, azure\n$/);
    expect(res.out).toContain('OK: the same answer on aws, gcp, azure');
    expect(res.out).not.toContain('DIFFERS');
    expect(res.code).toBe(0);
    const { report: json } = await report(entry);
    expect(json.ok).toBe(true);
    expect(json.rows.length).toBeGreaterThan(0);
    for (const row of json.rows) expect(row.providers).toEqual({ aws: [], gcp: [], azure: [] });
    // examples/stream's clock answers over 5 s, through four runners, twice.
  }, 120_000);

  it('sends hello a body its zod/mini schema accepts, one it refuses, and malformed JSON', async () => {
    const { report: json } = await report('examples/hello/index.ts');
    expect(json.rows.map((r) => [r.input, r.local])).toEqual([
      ['POST /hello', '200'],
      ['POST /hello (refused body)', '400'],
      ['POST /hello (malformed JSON)', '400'],
      ['GET /hello?name=example', '200'],
      ['GET /_onefn-check/no-such-route', '404'],
    ]);
    expect(json.rows.find((r) => r.input === 'GET /hello?name=example')?.answer).toEqual({
      kind: 'http', status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: '{"message":"Hello, example!"}', bodyEncoding: 'utf8',
    });
  });

  it('gives each provider a module of its own: the users example creates user 1 on each', async () => {
    const { report: json } = await report('examples/users/api.ts');
    expect(json.rows.find((r) => r.input === 'POST /users')?.local).toBe('201');
    expect(json.rows.find((r) => r.input === 'GET /users/1')?.local).toBe('200');
  });

  it('delivers a valid and a refused message to the queue example: one ok, one failed, everywhere', async () => {
    const { report: json } = await report('examples/users/worker.ts');
    expect(json.rows).toEqual([{ function: 'orders', input: 'queue orders: 2 messages (1 refused)', local: 'ok,failed', answer: { kind: 'event', outcomes: ['ok', 'failed'] }, providers: { aws: [], gcp: [], azure: [] } }]);
  });
});

describe('onefn check finds differences', () => {
  it('an HTTP answer that depends on the provider is a difference, named per provider (exit 1)', async () => {
    const entry = module(`import { defineHttp, json } from 'onefn';
export const where = defineHttp({ method: 'GET', route: '/where', handler: (req, ctx) => json({ on: ctx.provider === 'gcp' ? 'gcp' : 'elsewhere' }, { status: ctx.provider === 'azure' ? 202 : 200, headers: ctx.provider === 'aws' ? { 'x-extra': 'yes' } : {} }) });
`);
    const res = await run(['check', entry]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/GET \/where\s+200\s+DIFFERS\s+DIFFERS\s+DIFFERS/);
    const { code, report: json } = await report(entry);
    expect(code).toBe(1);
    const row = json.rows.find((r) => r.input === 'GET /where');
    expect(row?.providers.aws).toEqual(['header x-extra "yes" added']);
    expect(row?.providers.gcp).toEqual([`body ${JSON.stringify('{"on":"gcp"}')}, expected ${JSON.stringify('{"on":"elsewhere"}')}`]);
    expect(row?.providers.azure).toEqual(['status 202, expected 200']);
    expect(json).toMatchObject({ ok: false, differences: 1, blockers: 0 });
    expect(res.out).toContain('FAILED: 1 input answered differently, 0 blockers');
  });

  it('what a handler logs is compared too: the same levels and messages, in order', async () => {
    const entry = module(`import { defineHttp, defineQueue, text } from 'onefn';
export const hi = defineHttp({ route: '/hi', method: 'GET', handler: (req, ctx) => { ctx.log.info('hello', { n: 1 }); if (ctx.provider === 'azure') ctx.log.warn('only on azure'); return text('hi'); } });
export const jobs = defineQueue({ queue: 'jobs', handler: (msg, ctx) => { ctx.log.info(ctx.provider === 'gcp' ? 'job on gcp' : 'job'); } });
`);
    const { code, report: json } = await report(entry);
    expect(code).toBe(1);
    expect(json.rows.find((r) => r.input === 'GET /hi')?.providers).toEqual({ aws: [], gcp: [], azure: ['log entry 2: "warn only on azure", expected "nothing"'] });
    expect(json.rows.find((r) => r.function === 'jobs')?.providers).toEqual({ aws: [], gcp: ['log entry 1: "info job on gcp", expected "info job"'], azure: [] });
  });

  it('an event that fails on one provider only is a difference for that item', async () => {
    const entry = module(`import { defineQueue } from 'onefn';
export const jobs = defineQueue({ queue: 'jobs', handler: (msg, ctx) => { if (ctx.provider === 'aws') throw new Error('only here'); } });
`);
    const { code, report: json } = await report(entry);
    expect(code).toBe(1);
    expect(json.rows).toEqual([{ function: 'jobs', input: 'queue jobs: 1 message', local: 'ok', answer: { kind: 'event', outcomes: ['ok'] }, providers: { aws: ['item 1: failed, expected ok', 'log entry 1: "error Event handler failed", expected "nothing"'], gcp: [], azure: [] } }]);
  });

  it('an ordered batch whose first message is refused: AWS fails the rest too, GCP and Azure deliver one at a time', async () => {
    const entry = module(`import { defineQueue } from 'onefn';
import { z } from 'zod';
export const steps = defineQueue({ queue: 'steps.fifo', ordered: true, schema: z.object({ n: z.number() }), handler: () => {} });
`);
    const { code, report: json } = await report(entry);
    expect(code).toBe(1);
    expect(json.rows).toEqual([{
      function: 'steps', input: 'queue steps.fifo: 2 messages (1 refused)', local: 'failed,failed', answer: { kind: 'event', outcomes: ['failed', 'failed'] },
      providers: { aws: [], gcp: ['item 2: ok, expected failed'], azure: ['item 2: ok, expected failed'] },
    }]);
    expect(json.portability.filter((f) => f.option === 'ordered').map((f) => f.provider)).toEqual(['gcp', 'azure']);
  });

  it('a handler that never answers times out alike everywhere, within --timeout', async () => {
    const entry = module(`import { defineHttp } from 'onefn';
export const hang = defineHttp({ route: '/hang', method: 'GET', handler: () => new Promise<never>(() => {}) });
`);
    const started = Date.now();
    const { code, report: json } = await report(entry, '--timeout', '1');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(json.rows.find((r) => r.input === 'GET /hang')).toMatchObject({ function: 'hang', input: 'GET /hang', local: '504', answer: { kind: 'http', status: 504 }, providers: { aws: [], gcp: [], azure: [] } });
    expect(code).toBe(0);
  });

  it('a handler that throws is the same 500 problem everywhere, and never shows its message', async () => {
    const entry = module(`import { defineHttp } from 'onefn';
export const boom = defineHttp({ route: '/boom', method: 'POST', handler: () => { throw new Error('secret detail'); } });
`);
    const { code, report: json } = await report(entry);
    expect(json.rows.find((r) => r.input === 'POST /boom')).toMatchObject({ local: '500', providers: { aws: [], gcp: [], azure: [] } });
    expect(code).toBe(0);
  });
});

describe('onefn check reports what a provider cannot honour', () => {
  const findings = (exports: Record<string, unknown>): PortabilityFinding[] => portabilityFindings(planFunctions(exports));
  const blockers = (list: PortabilityFinding[]): string[] => list.filter((f) => f.severity === 'blocker').map((f) => `${f.function} ${f.provider} ${f.option}`);
  const noop = (): void => {};

  it.each([
    // AWS deploys a time zone through EventBridge Scheduler; Azure's Linux plans have none.
    ['a schedule in a time zone', { nightly: defineSchedule({ schedule: '0 2 * * *', timeZone: 'Europe/Paris', handler: noop }) }, ['nightly azure timeZone']],
    ['both cron day fields', { monthly: defineSchedule({ schedule: '0 9 1 * MON', handler: noop }) }, ['monthly aws schedule', 'monthly azure schedule']],
    ['a schedule in UTC on one day field', { daily: defineSchedule({ schedule: '0 9 * * MON-FRI', handler: noop }) }, []],
    ['an ordered standard queue', { fifo: defineQueue({ queue: 'jobs', ordered: true, handler: noop }) }, ['fifo aws ordered', 'fifo gcp ordered', 'fifo azure ordered']],
    ['an ordered FIFO queue', { fifo: defineQueue({ queue: 'jobs.fifo', ordered: true, handler: noop }) }, ['fifo gcp ordered', 'fifo azure ordered']],
    ['a generic CloudEvent', { placed: defineCloudEvent({ types: ['order.placed'], handler: noop }) }, ['placed gcp trigger']],
    ['an HTTP timeout over 230 s', { slow: defineHttp({ route: '/s', timeout: 600, handler: () => json({}) }) }, ['slow azure timeout']],
    ['an HTTP timeout over 900 s', { slower: defineHttp({ route: '/s', timeout: 1800, handler: () => json({}) }) }, ['slower aws timeout', 'slower azure timeout']],
    ['an event timeout over 540 s', { long: defineQueue({ queue: 'q', timeout: 600, handler: noop }) }, ['long gcp timeout']],
    ['memory over 4 GB', { big: defineQueue({ queue: 'q', memory: 8192, handler: noop }) }, ['big azure memory']],
    ['memory over 10 GB', { bigger: defineQueue({ queue: 'q', memory: 16384, handler: noop }) }, ['bigger aws memory', 'bigger azure memory']],
    ['a body limit over 6 MB', { upload: defineHttp({ route: '/u', method: 'POST', bodyLimit: 10 * 1024 * 1024, handler: () => json({}) }) }, ['upload aws bodyLimit']],
    ['a body limit over 32 MB', { upload: defineHttp({ route: '/u', method: 'POST', bodyLimit: 50 * 1024 * 1024, handler: () => json({}) }) }, ['upload aws bodyLimit', 'upload gcp bodyLimit']],
    ['a reserved variable', { q: defineQueue({ queue: 'q', env: { AWS_REGION: 'x', PORT: '1' }, handler: noop }) }, ['q aws env', 'q gcp env', 'q azure env']],
    ['an environment over 4 KB', { q: defineQueue({ queue: 'q', env: { BIG: 'x'.repeat(5000) }, handler: noop }) }, ['q azure env', 'q aws env']],
  ])('%s', (_, exports, expected) => {
    expect(blockers(findings(exports))).toEqual(expected);
  });

  it('an ordered FIFO queue with Azure on Service Bus: order per session is a note there, not a blocker', () => {
    const exports = { fifo: defineQueue({ queue: 'jobs.fifo', ordered: true, handler: noop }) };
    const list = portabilityFindings(planFunctions(exports), { azureMessaging: 'serviceBus' });
    expect(blockers(list)).toEqual(['fifo gcp ordered']);
    expect(list.find((f) => f.provider === 'azure')).toMatchObject({ severity: 'note', option: 'ordered', message: expect.stringContaining('sessions') });
  });

  it('reads azure.messaging from the config (a stage wins), or --azure-messaging, and refuses another value', async () => {
    // A folder of its own: the config must not reach the other tests' modules.
    const own = mkdtempSync(join(dir, 'config-'));
    const entry = join(own, 'fifo.ts');
    writeFileSync(entry, `import { defineQueue } from 'onefn';\nexport const fifo = defineQueue({ queue: 'jobs.fifo', ordered: true, handler: () => {} });\n`);
    const azureOf = async (argv: string[]): Promise<string[]> => {
      const res = await run(['check', entry, '--json', ...argv], { cwd: own });
      expect(res.err.split('\n').filter((l) => l.startsWith('onefn:'))).toEqual([]);
      return (JSON.parse(res.out) as CheckReport).portability.filter((f) => f.provider === 'azure').map((f) => f.severity);
    };
    expect(await azureOf([])).toEqual(['blocker']);
    expect(await azureOf(['--azure-messaging', 'serviceBus'])).toEqual(['note']);
    writeFileSync(join(own, 'onefn.config.ts'), `export default { azure: { messaging: 'serviceBus' }, stages: { q: { azure: { messaging: 'storageQueue' } } } };\n`);
    expect(await azureOf([])).toEqual(['note']);
    expect(await azureOf(['--stage', 'q'])).toEqual(['blocker']);
    expect(await run(['check', entry, '--azure-messaging', 'kafka'], { cwd: own })).toMatchObject({ code: 2, err: 'onefn: --azure-messaging must be storageQueue or serviceBus, got "kafka"\n' });
  });

  it('two functions setting one variable differently cannot share an Azure app', () => {
    const list = findings({
      a: defineQueue({ queue: 'a', env: { MODE: 'one' }, handler: noop }),
      b: defineQueue({ queue: 'b', env: { MODE: 'two' }, handler: noop }),
    });
    expect(list.find((f) => f.message.includes('shared by every function'))).toMatchObject({ function: 'b', provider: 'azure', severity: 'blocker', option: 'env' });
  });

  it('notes what changes no answer: a topic on Azure, a schedule on GCP', () => {
    const list = findings({ signups: defineTopic({ topic: 'signups', handler: noop }), tick: defineSchedule({ schedule: 'rate(5 minutes)', handler: noop }) });
    expect(list.map((f) => [f.function, f.provider, f.severity])).toEqual([['signups', 'azure', 'note'], ['tick', 'gcp', 'note']]);
  });

  it('a blocker fails the command even when every answer is the same, and the text names it', async () => {
    const entry = module(`import { defineSchedule } from 'onefn';
export const nightly = defineSchedule({ schedule: '30 2 * * *', timeZone: 'Europe/Paris', handler: () => {} });
`);
    const res = await run(['check', entry]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/nightly\s+tick at 2026-01-05T09:00:00.000Z\s+ok\s+same\s+same\s+same/);
    expect(res.out).toContain('BLOCKER  nightly  azure  timeZone: runs in Europe/Paris');
    expect(res.out).not.toContain('nightly  aws  timeZone');
    expect(res.out).toContain('FAILED: 0 inputs answered differently, 1 blocker');
  });
});

describe('onefn check, the binary', () => {
  it('a handler\'s stray errors (a throwing timer, a rejection nobody awaits) fail the check, named by function and runner; the process survives', async () => {
    const entry = module(`import { defineHttp, text } from 'onefn';
export const timer = defineHttp({ route: '/timer', method: 'GET', handler: () => { setTimeout(() => { throw new Error('timer boom'); }, 5); return text('later'); } });
export const reject = defineHttp({ route: '/reject', method: 'GET', standalone: true, handler: async () => { void Promise.reject(new Error('nobody awaits')); await new Promise((r) => setTimeout(r, 1)); return text('soon'); } });
`);
    const res = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const child = execFile(process.execPath, [join(repo, 'dist/cli/main.js'), 'check', entry], { cwd: repo, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (_, out, err) => done({ code: child.exitCode, out, err }));
    });
    expect(res.code).toBe(1);
    for (const runner of ['local', 'aws', 'gcp', 'azure']) {
      expect(res.out).toContain(`timer (${runner}, GET /timer): Error: timer boom`);
      expect(res.out).toContain(`reject (${runner}, GET /reject): Error: nobody awaits`);
    }
    expect(res.out).toContain('FAILED: 0 inputs answered differently, 0 blockers, 8 stray errors');
    expect(res.err).toBe('checking 2 functions with 4 inputs, locally and through aws, gcp, azure\n');
  });
});

describe('onefn check on bad input', () => {
  it('--help lists its flags', async () => {
    const res = await run(['check', '--help']);
    expect(res.code).toBe(0);
    for (const flag of ['--function <name>', '--timeout <seconds>', '--json', '--config <file>', '-h, --help']) expect(res.out).toContain(flag);
  });

  it.each([
    [['check'], 2, 'onefn: onefn check needs an entry module (or "entry" in the config)\n'],
    [['check', 'examples/hello/index.ts', '--timeout', 'soon'], 2, 'onefn: --timeout must be a whole number, got "soon"\n'],
    [['check', 'examples/hello/index.ts', '--timeout', '0'], 2, 'onefn: --timeout must be from 1 to 3600 seconds, got 0\n'],
    [['check', 'examples/hello/index.ts', '--fucntion', 'x'], 2, 'onefn: unknown flag "--fucntion" for onefn check; did you mean --function? (onefn check --help lists the flags)\n'],
    [['check', 'examples/hello/index.ts', '--function', 'nope'], 2, 'onefn: no function or export "nope" in '],
    [['check', 'examples/none.ts'], 1, 'onefn: no such module: '],
    [['chek', 'examples/hello/index.ts'], 2, 'onefn: unknown command "chek"; did you mean check?'],
  ])('onefn %j: exit %i', async (argv, code, err) => {
    const res = await run(argv);
    expect(res.code).toBe(code);
    expect(res.out).toBe('');
    expect(res.err.startsWith(err)).toBe(true);
    expect(res.err.split('\n').length).toBe(2);
  });

  it('a module with no definitions, or one that does not build, is one line and exit 1', async () => {
    const empty = module('export const nothing = 1;\n');
    expect(await run(['check', empty])).toMatchObject({ code: 1, out: '', err: `onefn: ${empty} exports no onefn definition\n` });
    const broken = module('export const = ;\n');
    const res = await run(['check', broken]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^onefn: cannot build .*m\d+\.ts: /);
    expect(res.err.split('\n').length).toBe(2);
  });

  it('asks a cross-origin definition from another origin, and preflights it', async () => {
    const entry = module(`import { defineHttp, text } from 'onefn';
export const shared = defineHttp({ route: '/shared', method: 'PUT', cors: { origins: ['https://client.example'], credentials: true }, handler: () => text('ok') });
`);
    const { code, report: json } = await report(entry);
    expect(json.rows.map((r) => `${r.input} ${r.local}`)).toEqual(['PUT /shared 200', 'OPTIONS /shared (preflight for PUT) 204', 'GET /_onefn-check/no-such-route 404']);
    for (const row of json.rows) expect(row.providers).toEqual({ aws: [], gcp: [], azure: [] });
    expect(code).toBe(0);
  });

  it('takes the entry from the project config when none is given', async () => {
    const project = mkdtempSync(join(dir, 'project-'));
    writeFileSync(join(project, 'api.ts'), `import { defineHttp, json } from 'onefn';\nexport const ping = defineHttp({ route: '/ping', method: 'GET', handler: () => json({ pong: true }) });\n`);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'p', type: 'module', onefn: { entry: 'api.ts' } }));
    const res = await run(['check', '--json'], { cwd: project });
    expect(res.code).toBe(0);
    expect((JSON.parse(res.out) as CheckReport).rows.map((r) => `${r.input} ${r.local}`)).toEqual(['GET /ping 200', 'GET /_onefn-check/no-such-route 404']);
  });

  it('--function checks one function only', async () => {
    const entry = module(`import { defineHttp, defineQueue, json } from 'onefn';
export const api = defineHttp({ route: '/a', method: 'GET', handler: () => json({ a: 1 }) });
export const jobs = defineQueue({ queue: 'jobs', handler: () => {} });
`);
    const { report: json } = await report(entry, '--function', 'jobs');
    expect(json.functions).toEqual([{ name: 'jobs', kind: 'message' }]);
    expect(json.rows.map((r) => r.function)).toEqual(['jobs']);
  });

  it('hostile definitions: prototype keys in a schema, a route parameter named __proto__', async () => {
    const entry = module(`import { defineHttp, json } from 'onefn';
import { z } from 'zod';
export const odd = defineHttp({ route: '/odd/:__proto__', method: 'POST', body: z.object({ ['__proto__']: z.string(), constructor: z.number() }), handler: (req) => json({ got: req.params, body: req.body }) });
`);
    const { report: json } = await report(entry);
    for (const row of json.rows) expect(row.providers, row.input).toEqual({ aws: [], gcp: [], azure: [] });
    expect(json.rows.find((r) => r.input === 'POST /odd/__proto__')?.local).toBe('200');
    expect(json.rows.map((r) => r.input)).toContain('POST /odd/__proto__');
  });
});
