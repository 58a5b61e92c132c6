import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { buildFunction } from '@onefn/aws/deploy';
import { buildArchive } from '@onefn/gcp/deploy';
import { buildFunctionApp } from '@onefn/azure/deploy';

// String literals only the dev server and its dashboard carry (literals
// survive minification); a deployed function must carry none of them.
const DEV_ONLY = ['/_onefn', 'text/event-stream', 'onefn-token', 'presets.json', 'Send through', '.env.local', 'received again after'];
const ENTRY = fileURLToPath(new URL('./fixtures/kitchen-sink.ts', import.meta.url));
const repo = new URL('../../', import.meta.url);

function sources(dir: string): string {
  return readdirSync(new URL(dir, repo), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts'))
    .map((f) => readFileSync(`${f.parentPath}/${f.name}`, 'utf8'))
    .join('\n');
}

describe('no dashboard or dev-server code reaches a deployed bundle', () => {
  it('the markers are real: each is in the dev server', () => {
    const dev = sources('src/dev/');
    for (const marker of DEV_ONLY) expect([marker, dev.includes(marker)]).toEqual([marker, true]);
  });

  it('AWS: no function of a module of every kind carries them', async () => {
    for (const plan of planFunctions(await loadModule(ENTRY))) {
      const { code } = await buildFunction({ entry: ENTRY, plan });
      for (const marker of DEV_ONLY) expect([plan.name, marker, code.includes(marker)]).toEqual([plan.name, marker, false]);
    }
  });

  it('GCP and Azure: the archive and the function app carry none of them', async () => {
    const gcp = Object.values((await buildArchive({ entry: ENTRY })).files).join('\n');
    const azure = Object.values((await buildFunctionApp({ entry: ENTRY })).files).join('\n');
    for (const marker of DEV_ONLY) expect([marker, gcp.includes(marker), azure.includes(marker)]).toEqual([marker, false, false]);
    // The check would see them: the bundles are real and carry the module's handlers.
    expect(gcp).toContain('order failed');
    expect(azure).toContain('order failed');
  });
});
