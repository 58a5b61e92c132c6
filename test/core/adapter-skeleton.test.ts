// The three adapters are one product: the same files with the same roles, the same two public verbs,
// and the same subpaths. A file renamed in one adapter only, or a third public verb, fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as aws from '@onefn/aws';
import * as azure from '@onefn/azure';
import * as gcp from '@onefn/gcp';
import { defineHttp } from 'onefn';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PROVIDERS = ['aws', 'gcp', 'azure'] as const;
const SKELETON = [
  'index.ts', 'entry.ts', 'handler.ts', 'native.ts', 'context.ts', 'options.ts', 'from-http.ts', 'to-http.ts',
  'resources.ts', 'packages.ts', 'dev.ts', 'cli/index.ts', 'testing/index.ts', 'deploy/index.ts',
];
const SUBPATHS = ['.', './entry', './testing', './resources', './deploy', './cli', './dev', './package.json'];

describe.each(PROVIDERS)('@onefn/%s', (provider) => {
  it('has every file of the shared skeleton', () => {
    const missing = SKELETON.filter((f) => !existsSync(`${root}adapters/${provider}/src/${f}`));
    expect(missing).toEqual([]);
  });

  it('exports the same subpaths as the other adapters', () => {
    const pkg = JSON.parse(readFileSync(`${root}adapters/${provider}/package.json`, 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports).sort()).toEqual([...SUBPATHS].sort());
  });
});

describe('the public verbs', () => {
  const modules = { aws, gcp, azure } as Record<string, Record<string, unknown>>;

  it.each(PROVIDERS)('%s exports serve and wrap as functions, and no other wrapper', (provider) => {
    const mod = modules[provider] as Record<string, unknown>;
    expect(typeof mod['serve']).toBe('function');
    expect(typeof mod['wrap']).toBe('function');
    const functions = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    // Wrapping or registering verbs of the first wave, now on the internal `entry` subpath or gone.
    const old = ['toLambda', 'lambdaHandler', 'lambdaHttpHandler', 'lambdaHttpV2Handler', 'lambdaHttpStreamHandler', 'lambdaEventHandler', 'register', 'toHttpFunction', 'toEventFunction', 'toCloudEventFunction', 'registerHttpFunction', 'registerEventFunction'];
    expect(functions.filter((f) => old.includes(f))).toEqual([]);
  });

  it.each(PROVIDERS)('%s refuses what is not a definition with the same typed error', (provider) => {
    const mod = modules[provider] as { wrap: (d: unknown) => unknown; serve: (d: unknown) => unknown };
    for (const bad of [{}, [], [{ kind: 'http' }], null, 'x', Object.create(null)]) {
      expect(() => mod.wrap(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(() => mod.serve({ notADefinition: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
  });

  // Found by attacking the built packages: these crashed with a TypeError on one provider, were
  // accepted on another, or named a different key, where all three now give the same typed error.
  it.each(PROVIDERS)('%s answers hostile arguments to serve and wrap with INVALID_DEFINITION', (provider) => {
    const mod = modules[provider] as { wrap: (d: unknown, o?: unknown) => unknown; serve: (d: unknown, o?: unknown) => unknown };
    const hello = defineHttp({ method: 'GET', route: '/hello', handler: () => new Response('hi') });
    const invalid = (key: string) => expect.objectContaining({ code: 'INVALID_DEFINITION', option: key });
    const forged = { '~onefn': 'definition', kind: 'http' };
    // eslint-disable-next-line no-sparse-arrays
    const holed = [hello, , hello];
    for (const verb of ['wrap', 'serve'] as const) {
      const call = mod[verb];
      expect(() => call(hello, null), `${verb} options null`).toThrow(invalid('options'));
      expect(() => call(hello, 'x'), `${verb} options string`).toThrow(invalid('options'));
      expect(() => call(hello, []), `${verb} options array`).toThrow(invalid('options'));
      expect(() => call(hello, { nope: 1 }), `${verb} unknown option`).toThrow(invalid('nope'));
      expect(() => call(hello, JSON.parse('{"__proto__":{"x":1}}')), `${verb} __proto__ option`).toThrow(invalid('__proto__'));
      expect(() => call(holed), `${verb} list with a hole`).toThrow(invalid('definitions'));
      expect(() => call(forged), `${verb} forged definition`).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
      expect(() => call([forged]), `${verb} forged in a list`).toThrow(invalid('definitions'));
    }
    expect(() => mod.serve(null)).toThrow(invalid('module'));
    expect(() => mod.serve(42)).toThrow(invalid('module'));
    expect(() => mod.wrap(null)).toThrow(invalid('definition'));
  });
});

describe('the rooms of src/', () => {
  // Which rooms each room may import from: the author's model at the bottom, tooling at the top.
  const MAY: Record<string, readonly string[]> = {
    onefn: ['onefn', 'resources'],
    resources: ['resources', 'onefn'],
    runtime: ['runtime', 'onefn', 'resources'],
    testing: ['testing', 'runtime', 'onefn', 'resources'],
    config: ['config'],
  };
  const files = (room: string): string[] => readdirSync(`${root}src/${room}`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `${room}/${f}`);

  it.each(Object.keys(MAY))('src/%s imports only from the rooms below it (type-only imports aside)', (room) => {
    const wrong: string[] = [];
    for (const file of files(room)) {
      const text = readFileSync(`${root}src/${file}`, 'utf8');
      for (const m of text.matchAll(/^(import|export)( type)?[^;]*?from '(\.\.?\/[^']+)'/gms)) {
        if (m[2]) continue;
        const target = join(dirname(file), m[3] as string).split(sep)[0] as string;
        if (!(MAY[room] as readonly string[]).includes(target)) wrong.push(`${file} -> ${m[3]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
