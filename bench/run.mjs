// `npm run bench`: bundles the case-process drivers (bench/drivers/<provider>.ts) and every
// bench/*.bench.ts (one per provider), runs the suites one after another, each in a child process
// that starts one process per case, prints their tables and keeps them in bench/RESULTS.md. Run after
// `npm run build`: the bench imports the built packages, as users do.
//
// `node bench/run.mjs aws` runs one suite (and leaves RESULTS.md alone); BENCH_COLD_RUNS sets the
// number of fresh processes per cold-start case.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const here = new URL('.', import.meta.url).pathname;
const only = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!only || f.startsWith(only))).sort();
const out = join(here, '..', 'node_modules', '.cache', 'onefn-bench');
mkdirSync(out, { recursive: true });
// tsconfigRaw: no paths, so that packages resolve by name to their built dist, as users get them.
const options = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error', tsconfigRaw: '{}' };
await build({ ...options, entryPoints: ['aws', 'gcp', 'azure'].map((p) => join(here, 'drivers', `${p}.ts`)), outdir: join(out, 'drivers'), outExtension: { '.js': '.mjs' } });

const started = Date.now();
const sections = [];
const verdicts = [];
for (const file of files) {
  const outfile = join(out, file.replace(/\.ts$/, '.mjs'));
  await build({ ...options, entryPoints: [join(here, file)], outfile });
  process.stdout.write(`\n## ${file}\n\n`);
  const output = execFileSync(process.execPath, [outfile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1e8 });
  // Each suite ends with one `VERDICTS <json>` line: its targets, judged (bench/verdicts.ts).
  const text = `${output.replace(/^VERDICTS (.*)$/m, (_, json) => {
    verdicts.push(...JSON.parse(json));
    return '';
  }).trimEnd()}\n`;
  process.stdout.write(text);
  sections.push(`## ${file}\n\n${text}`);
}
const missed = verdicts.filter((v) => !v.ok).length;
const summary = [
  `## Targets: ${verdicts.length - missed} met, ${missed} missed`,
  '',
  '| target | measured | verdict |',
  '|---|---|---|',
  ...verdicts.map((v) => `| ${v.target} | ${v.measured.replace(/\|/g, '/')} | ${v.ok ? 'met' : 'MISSED'} |`),
  '',
].join('\n');
process.stdout.write(`\n${summary}`);
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const load = os.loadavg().map((n) => n.toFixed(1)).join(', ');
const header = `# Benchmark results

Last run: ${new Date().toISOString()} on Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${minutes} min; load average at the end ${load}.
Ratios are to the hand-written function in the same run (per batch, then the median and the spread
over batches); only ratios from one run compare. Every case runs in its own process and is checked
for a correct answer before and after it is timed. "steady": batches back to back; "after GC": the
same batches, each preceded by a full \`global.gc()\` in the case's process (the collection itself
untimed), and the median time of the first invocation after it.
Cold starts are fresh \`node\` processes: the import of the deployed bundle, then the first invocation.

`;
if (!only) writeFileSync(join(here, 'RESULTS.md'), header + summary + '\n' + sections.join('\n'));
