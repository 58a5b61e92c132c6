import { describe, expect, it } from 'vitest';
import { defineHttp, defineQueue, defineSchedule, DefinitionError, text } from 'onefn';
import { planFunctions } from 'onefn/runtime';

const h = (route: string, extra: object = {}) => defineHttp({ route, handler: () => text('x'), ...extra });
const q = defineQueue({ queue: 'jobs', handler: () => {} });

describe('planning a module into functions', () => {
  it('routes the HTTP definitions together and gives every event definition its own function', () => {
    const plans = planFunctions({ a: h('/a', { memory: 256, env: { X: '1' } }), b: h('/b', { memory: 1024, timeout: 30 }), jobs: q, nightly: defineSchedule({ schedule: '0 1 * * *', name: 'cleanup', handler: () => {} }) }, { routedName: 'api' });
    expect(plans.map((p) => [p.kind, p.name, p.exportNames])).toEqual([
      ['http', 'api', ['a', 'b']],
      ['message', 'jobs', ['jobs']],
      ['schedule', 'cleanup', ['nightly']],
    ]);
    expect(plans[0]?.settings).toEqual({ name: 'api', memory: 1024, timeout: 30, env: { X: '1' } });
  });

  it('deploys standalone HTTP definitions on their own, and names a lone one by its export', () => {
    const plans = planFunctions({ a: h('/a'), b: h('/b', { standalone: true }) });
    expect(plans.map((p) => [p.name, p.exportNames])).toEqual([['a', ['a']], ['b', ['b']]]);
  });

  it('counts a default export that repeats a named one once', () => {
    const a = h('/a');
    expect(planFunctions({ default: a, a }).map((p) => p.exportNames)).toEqual([['a']]);
  });

  it('ignores exports that are not definitions', () => {
    expect(planFunctions({ helper: () => 1, value: 3, a: h('/a') })).toHaveLength(1);
  });

  it.each([
    ['public and private routed together', { a: h('/a', { public: true }), b: h('/b') }, 'public'],
    ['conflicting env', { a: h('/a', { env: { X: '1' } }), b: h('/b', { env: { X: '2' } }) }, 'env'],
    ['two names in one routed function', { a: h('/a', { name: 'one' }), b: h('/b', { name: 'two' }) }, 'name'],
    ['duplicate function names', { a: h('/a', { name: 'jobs' }), jobs: q }, 'name'],
  ])('refuses %s', (_n, mod, option) => {
    expect(() => planFunctions(mod)).toThrow(DefinitionError);
    try {
      planFunctions(mod);
    } catch (e) {
      expect((e as DefinitionError).option).toBe(option);
    }
  });
});

describe('httpFeatures', () => {
  it('says which optional parts of the request path the HTTP definitions among the plans use', async () => {
    const { httpFeatures } = await import('onefn/runtime');
    const { z } = await import('zod');
    const plain = defineHttp({ method: 'GET', route: '/a', handler: () => text('a') });
    const cors = defineHttp({ method: 'GET', route: '/b', cors: true, handler: () => text('b') });
    const schema = defineHttp({ method: 'POST', route: '/c', query: z.object({ q: z.string() }), handler: () => text('c') });
    const streams = defineHttp({ method: 'GET', route: '/d', stream: true, standalone: true, handler: () => text('d') });
    const queue = defineQueue({ queue: 'q', schema: z.object({ n: z.number() }), handler: () => undefined });
    expect(httpFeatures(planFunctions({ plain, queue }))).toEqual({ streams: false, cors: false, requestSchemas: false });
    expect(httpFeatures(planFunctions({ plain, cors }))).toEqual({ streams: false, cors: true, requestSchemas: false });
    expect(httpFeatures(planFunctions({ plain, schema }))).toEqual({ streams: false, cors: false, requestSchemas: true });
    expect(httpFeatures(planFunctions({ streams }))).toEqual({ streams: true, cors: false, requestSchemas: false });
    expect(httpFeatures([])).toEqual({ streams: false, cors: false, requestSchemas: false });
  });
});
