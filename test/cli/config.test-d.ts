// defineConfig types the project config: a misspelt or mistyped setting does not compile.
import { expectTypeOf, test } from 'vitest';
import { defineConfig, type OnefnConfig } from 'onefn/config';

test('a config compiles, and keeps its type', () => {
  const config = defineConfig({
    entry: 'src/api.ts',
    aws: { region: 'eu-west-1', createRole: true, memory: 512, httpEvents: 'v2' },
    gcp: { project: 'p', region: 'europe-west1', serviceAccount: 'fn@p.iam.gserviceaccount.com' },
    azure: { resourceGroup: 'rg', location: 'westeurope', app: 'a', plan: 'flex', node: '22' },
    stages: { prod: { aws: { region: 'us-east-1' } } },
  });
  expectTypeOf(config).toEqualTypeOf<OnefnConfig>();
});

test('mistakes do not compile', () => {
  // @ts-expect-error: a misspelt setting
  defineConfig({ aws: { regin: 'eu-west-1' } });
  // @ts-expect-error: memory is a number
  defineConfig({ gcp: { memory: '512' } });
  // @ts-expect-error: Azure runs Node 20 or 22
  defineConfig({ azure: { node: '18' } });
  // @ts-expect-error: a stage holds provider settings only
  defineConfig({ stages: { prod: { entry: 'x.ts' } } });
  // @ts-expect-error: an unknown top-level key
  defineConfig({ provider: 'aws' });
});
