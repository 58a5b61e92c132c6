/**
 * A user who installed an adapter for the runtime only (no deploy or output SDKs) and then runs a
 * command or an output that needs one gets one typed line naming the package and the `npm i -D`
 * command, never Node's ERR_MODULE_NOT_FOUND stack. Tested for real: a project of its own under the
 * system temp folder, holding copies of the built packages (dist and package.json) and links to
 * their runtime dependencies, and no provider SDK, so Node's and esbuild's own resolution fail.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_PACKAGES as AWS_DEPLOY, OUTPUT_PACKAGES as AWS_OUTPUTS, optionalPackages as awsOptional } from '../../adapters/aws/src/packages.js';
import { DEPLOY_PACKAGES as GCP_DEPLOY, OUTPUT_PACKAGES as GCP_OUTPUTS, optionalPackages as gcpOptional } from '../../adapters/gcp/src/packages.js';
import { OUTPUT_PACKAGES as AZURE_OUTPUTS, optionalPackages as azureOptional } from '../../adapters/azure/src/packages.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let project = '';

/** Copies a built package (package.json, dist, LICENSE) into the project's node_modules. */
function copyPackage(from: string, name: string): void {
  const to = join(project, 'node_modules', name);
  mkdirSync(to, { recursive: true });
  for (const part of ['package.json', 'dist', 'LICENSE']) cpSync(join(from, part), join(to, part), { recursive: true });
}

/** Links an installed package: it resolves its own dependencies from the repository, where it really is. */
function linkPackage(name: string): void {
  const to = join(project, 'node_modules', name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(join(repo, 'node_modules', name), to, 'dir');
}

beforeAll(() => {
  for (const dir of ['.', 'adapters/aws', 'adapters/gcp', 'adapters/azure']) {
    if (!existsSync(join(repo, dir, 'dist'))) throw new Error(`${dir}/dist is missing: npm run build first (npm test builds before it tests)`);
  }
  project = mkdtempSync(join(tmpdir(), 'onefn-runtime-only-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'runtime-only', private: true, type: 'module' }));
  copyPackage(repo, 'onefn');
  for (const a of ['aws', 'gcp', 'azure']) copyPackage(join(repo, 'adapters', a), `@onefn/${a}`);
  // onefn's own dependencies, and the two runtime hosts the adapters take as required peers.
  for (const name of ['acorn', 'esbuild', 'fflate', '@google-cloud/functions-framework', '@azure/functions']) linkPackage(name);
  writeFileSync(
    join(project, 'api.mjs'),
    "import { defineHttp, json } from 'onefn';\nexport const hello = defineHttp({ method: 'GET', route: '/hello', public: true, handler: () => json({ ok: true }) });\n",
  );
  writeFileSync(
    join(project, 'producer.mjs'),
    "import { defineHttp, json, queue } from 'onefn';\nconst jobs = queue('jobs');\nexport const api = defineHttp({ method: 'POST', route: '/jobs', public: true, uses: { jobs: jobs.send }, handler: async (req, ctx) => json(await ctx.resources.jobs.send({ id: 1 })) });\n",
  );
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs node in the project, with no cloud credentials or settings from this machine. */
function node(args: readonly string[]): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: project, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: project, env, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
const onefn = (...args: string[]): Promise<Run> => node(['node_modules/onefn/dist/cli/main.js', ...args]);

/** The install command a line ends with: `npm i -D a@1 b@2`, as a set of specs. */
function installed(line: string): string[] {
  const command = /: npm i -D (.+)$/.exec(line.trim())?.[1];
  return (command ?? '').split(' ').sort();
}
const specs = (packages: readonly { name: string; version: string }[]): string[] => [...new Set(packages.map((p) => `${p.name}@${p.version}`))].sort();

describe('the CLI, with the adapter installed for the runtime only', () => {
  it('onefn deploy aws: one line naming the missing SDK and every optional AWS package to install, exit 1', async () => {
    const run = await onefn('deploy', 'aws', 'api.mjs', '--region', 'eu-west-1', '--dry-run');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^onefn: @onefn\/aws deploy needs @aws-sdk\/client-[a-z0-9-]+: npm i -D [^\n]+\n$/);
    // Nothing is installed, so the one command names them all, at the versions the adapter is tested with.
    expect(installed(run.stderr)).toEqual(specs(awsOptional()));
    const named = /needs (\S+):/.exec(run.stderr)?.[1];
    expect(AWS_DEPLOY.map((p) => p.name)).toContain(named);
    expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find|\n\s+at /);
  });

  it('onefn rollback aws: the same line', async () => {
    const run = await onefn('rollback', 'aws', '--function', 'hello', '--region', 'eu-west-1');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^onefn: @onefn\/aws rollback needs @aws-sdk\/client-[a-z0-9-]+: npm i -D [^\n]+\n$/);
  });

  it('onefn build aws needs no SDK (the zip leaves @aws-sdk/* to the Lambda runtime)', async () => {
    const run = await onefn('build', 'aws', 'api.mjs', '--out', 'out-aws');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(join(project, 'out-aws'))).toBe(true);
  });

  it('onefn build gcp of a function with outputs needs no SDK (the archive lists them for Cloud Build)', async () => {
    const run = await onefn('build', 'gcp', 'producer.mjs', '--out', 'out-gcp');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('onefn check runs a module through all three adapters with no SDK', async () => {
    const run = await onefn('check', 'api.mjs');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/hello/);
  });

  it('onefn deploy gcp --dry-run plans with no SDK; a real deploy names the missing one', async () => {
    const plan = await onefn('deploy', 'gcp', 'api.mjs', '--project', 'onefn-probe', '--region', 'europe-west1', '--dry-run');
    expect(plan.stderr).toMatch(/plan: /);
    expect(plan.code).toBe(0);
    const run = await onefn('deploy', 'gcp', 'api.mjs', '--project', 'onefn-probe', '--region', 'europe-west1');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('onefn:'))).toEqual([expect.stringMatching(/^onefn: @onefn\/gcp deploy needs (google-auth-library|@google-cloud\/functions): npm i -D /)]);
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    expect(installed(last)).toEqual(specs(gcpOptional()));
    expect(GCP_DEPLOY.map((p) => p.name)).toContain(/needs (\S+):/.exec(last)?.[1]);
    expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
  });

  it('onefn deploy azure --dry-run plans with no SDK; a real deploy names the missing one', async () => {
    const common = ['api.mjs', '--subscription', '00000000-0000-0000-0000-000000000000', '--resource-group', 'rg', '--location', 'westeurope', '--app', 'onefn-probe'];
    const plan = await onefn('deploy', 'azure', ...common, '--dry-run');
    expect(plan.stderr).toMatch(/plan: /);
    expect(plan.code).toBe(0);
    const run = await onefn('deploy', 'azure', ...common);
    expect(run.code).toBe(1);
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^onefn: @onefn\/azure deploy needs @azure\/(identity|arm-[a-z]+): npm i -D /);
    expect(installed(last)).toEqual(specs(azureOptional()));
    expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
  });

  it('onefn build azure of a function with outputs names the storage SDK the zip must carry (esbuild cannot resolve it)', async () => {
    const run = await onefn('build', 'azure', 'producer.mjs', '--out', 'out-azure');
    expect(run.code).toBe(1);
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    // The zip carries the storage SDKs and @azure/identity (for an identity-based storage connection).
    expect(last).toMatch(/^onefn: @onefn\/azure build needs @azure\/(storage-(queue|blob)|identity): npm i -D /);
    expect(installed(last)).toEqual(expect.arrayContaining(specs(AZURE_OUTPUTS)));
  });
});

describe('the CLI, when the user\'s own module imports a package that is not installed', () => {
  it('passes the failure through as it is: the package is the user\'s to add, not a dev dependency onefn names', async () => {
    writeFileSync(join(project, 'own.mjs'), "import pad from 'left-pad-not-installed';\nimport { defineHttp, json } from 'onefn';\nexport const hello = defineHttp({ method: 'GET', route: '/hello', public: true, handler: () => json(pad) });\n");
    const run = await onefn('deploy', 'gcp', 'own.mjs', '--project', 'onefn-probe', '--region', 'europe-west1', '--dry-run');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^onefn: .*left-pad-not-installed/m);
    expect(run.stderr).not.toMatch(/npm i -D|MISSING_PACKAGE/);
  });
});

describe('the CLI, with some of the optional packages installed', () => {
  it('names only those still missing in the install command', async () => {
    const link = join(project, 'node_modules', '@aws-sdk', 'client-eventbridge');
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repo, 'node_modules', '@aws-sdk', 'client-eventbridge'), link, 'dir');
    try {
      const run = await onefn('deploy', 'aws', 'api.mjs', '--region', 'eu-west-1', '--dry-run');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^onefn: @onefn\/aws deploy needs @aws-sdk\/client-(?!eventbridge)[a-z0-9-]+: npm i -D [^\n]+\n$/);
      expect(installed(run.stderr)).toEqual(specs(awsOptional().filter((p) => p.name !== '@aws-sdk/client-eventbridge')));
    } finally {
      rmSync(dirname(link), { recursive: true, force: true });
    }
  });
});

describe.each([
  { provider: 'aws', create: 'createAwsDriver', args: '', outputs: AWS_OUTPUTS, named: /@aws-sdk\/client-(sqs|sns|s3)/ },
  { provider: 'gcp', create: 'createGcpDriver', args: '', outputs: GCP_OUTPUTS, named: /@google-cloud\/(pubsub|storage)/ },
  { provider: 'azure', create: 'createAzureDriver', args: "{ env: { AzureWebJobsStorage: 'UseDevelopmentStorage=true' } }", outputs: AZURE_OUTPUTS, named: /@azure\/storage-(queue|blob)/ },
])('@onefn/$provider/resources without its output SDKs', ({ provider, create, args, outputs, named }) => {
  const report = "(e) => process.stdout.write(JSON.stringify({ name: e.name, code: e.code, message: e.message }))";
  const expectMissing = (run: Run): void => {
    expect(run.stderr).toBe('');
    const e = JSON.parse(run.stdout) as { name: string; code: string; message: string };
    expect(e.name).toBe('MissingPackageError');
    expect(e.code).toBe('MISSING_PACKAGE');
    expect(e.message).toMatch(new RegExp(`^@onefn/${provider} outputs needs ${named.source}: npm i -D `));
    expect(installed(e.message)).toEqual(specs(outputs));
  };

  it('ESM: the driver rejects with a MissingPackageError naming the install command', async () => {
    expectMissing(await node(['--input-type=module', '-e', `import { ${create} } from '@onefn/${provider}/resources'; await ${create}(${args}).then(() => process.stdout.write('loaded'), ${report});`]));
  });

  it('CommonJS: the same', async () => {
    expectMissing(await node(['--input-type=commonjs', '-e', `require('@onefn/${provider}/resources').${create}(${args}).then(() => process.stdout.write('loaded'), ${report});`]));
  });
});
