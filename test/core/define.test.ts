import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, DefinitionError, isDefinition, json,
} from 'onefn';

const ok = () => json({});
const noop = async () => {};

describe('definitions are plain tagged values', () => {
  it('keeps the trigger and settings', () => {
    const def = defineHttp({ method: ['get', 'POST'] as never, route: '/users/:id', memory: 512, timeout: 10, env: { A: '1' }, handler: ok });
    expect(def.kind).toBe('http');
    expect(def.trigger.methods).toEqual(['GET', 'POST']);
    expect(def.trigger.route?.paramNames).toEqual(['id']);
    expect(def.trigger.public).toBe(false);
    expect(def.trigger.bodyLimit).toBe(1024 * 1024);
    expect(def.settings).toEqual({ memory: 512, timeout: 10, env: { A: '1' } });
    expect(Object.isFrozen(def)).toBe(true);
    expect(isDefinition(def)).toBe(true);
    expect(isDefinition({ kind: 'http' })).toBe(false);
    expect(isDefinition(null)).toBe(false);
  });

  it('defaults methods to every method and storage changes to both', () => {
    expect(defineHttp({ handler: ok }).trigger.methods).toBe('ANY');
    expect(defineStorage({ bucket: 'b', handler: noop }).trigger.changes).toEqual(['created', 'deleted']);
  });

  it('builds every kind', () => {
    expect(defineQueue({ queue: 'q', ordered: true, handler: noop }).trigger).toMatchObject({ type: 'queue', name: 'q', ordered: true });
    expect(defineTopic({ topic: 't', handler: noop }).trigger).toMatchObject({ type: 'topic', name: 't', ordered: false });
    expect(defineSchedule({ schedule: 'rate(5 minutes)', handler: noop }).trigger.timeZone).toBe('UTC');
    expect(defineCloudEvent({ types: ['a.b'], handler: noop }).trigger.types).toEqual(['a.b']);
  });
});

describe('invalid options fail when the definition is made, naming the option', () => {
  it.each([
    ['unknown key', () => defineHttp({ handler: ok, rout: '/x' } as never), 'rout'],
    ['route without slash', () => defineHttp({ route: 'users', handler: ok }), 'route'],
    ['bad route parameter', () => defineHttp({ route: '/users/:1d', handler: ok }), 'route'],
    ['duplicate parameter', () => defineHttp({ route: '/a/:id/b/:id', handler: ok }), 'route'],
    ['wildcard not last', () => defineHttp({ route: '/a/*/b', handler: ok }), 'route'],
    ['bad method', () => defineHttp({ method: 'FETCH' as never, handler: ok }), 'method'],
    ['empty methods', () => defineHttp({ method: [], handler: ok }), 'method'],
    ['not a schema', () => defineHttp({ body: { parse() {} } as never, handler: ok }), 'body'],
    ['params without route', () => defineHttp({ params: z.object({}), handler: ok }), 'params'],
    ['memory too low', () => defineHttp({ memory: 64, handler: ok }), 'memory'],
    ['memory not whole', () => defineHttp({ memory: 256.5, handler: ok }), 'memory'],
    ['timeout too long', () => defineHttp({ timeout: 7200, handler: ok }), 'timeout'],
    ['bad name', () => defineHttp({ name: '9lives', handler: ok }), 'name'],
    ['bad env name', () => defineHttp({ env: { 'A-B': 'x' }, handler: ok }), 'env'],
    ['env not string', () => defineHttp({ env: { A: 1 as never }, handler: ok }), 'env'],
    ['public not boolean', () => defineHttp({ public: 'yes' as never, handler: ok }), 'public'],
    ['cors credentials with *', () => defineHttp({ cors: { origins: '*', credentials: true }, handler: ok }), 'cors.credentials'],
    ['cors typo', () => defineHttp({ cors: { origin: '*' } as never, handler: ok }), 'cors.origin'],
    ['no handler', () => defineHttp({} as never), 'handler'],
    ['empty queue', () => defineQueue({ queue: '', handler: noop }), 'queue'],
    ['bad storage change', () => defineStorage({ bucket: 'b', changes: ['updated' as never], handler: noop }), 'changes'],
    ['bad cron', () => defineSchedule({ schedule: '61 * * * *', handler: noop }), 'schedule'],
    ['six cron fields', () => defineSchedule({ schedule: '0 0 9 * * MON', handler: noop }), 'schedule'],
    ['uneven rate', () => defineSchedule({ schedule: 'rate(7 minutes)', handler: noop }), 'schedule'],
    ['bad time zone', () => defineSchedule({ schedule: '0 9 * * *', timeZone: 'Mars/Olympus', handler: noop }), 'timeZone'],
    ['bad event types', () => defineCloudEvent({ types: [''], handler: noop }), 'types'],
  ])('%s', (_name, make, option) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).option).toBe(option);
    expect((error as DefinitionError).message).toContain(`"${option}"`);
    expect((error as DefinitionError).code).toBe('INVALID_DEFINITION');
  });
});
