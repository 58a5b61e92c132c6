// `npm run bench`: bundles and runs every bench/*.bench.ts (one per provider) in this process's
// child, one after another, prints their tables and keeps them in bench/RESULTS.md. Run after
// `npm run build`: the benches import the built packages, as users do.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const here = new URL('.', import.meta.url).pathname;
const only = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!only || f.startsWith(only))).sort();
const out = join(here, '..', 'node_modules', '.cache', 'onefn-bench');
mkdirSync(out, { recursive: true });
const sections = [];
for (const file of files) {
  const outfile = join(out, file.replace(/\.ts$/, '.mjs'));
  // tsconfigRaw: no paths, so that packages resolve by name to their built dist, as users get them.
  await build({ entryPoints: [join(here, file)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error', tsconfigRaw: '{}' });
  process.stdout.write(`\n## ${file}\n`);
  const text = execFileSync(process.execPath, [outfile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1e8 });
  process.stdout.write(text);
  sections.push(`## ${file}\n\n${text}`);
}
const pkg = (name) => {
  try {
    return JSON.parse(readFileSync(join(here, '..', 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
};
const header = `# Benchmark results\n\nLast run: ${new Date().toISOString()} on Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores).\nRatios are to the hand-written native handler in the same run; only ratios from one run compare.\n\n`;
if (!only) writeFileSync(join(here, 'RESULTS.md'), header + sections.join('\n'));
void pkg;
