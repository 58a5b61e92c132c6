// The one `onefn` shell, the same for every provider: strict flags, --help, --version, one error
// prefix, exit codes 0/1/2, data on stdout and progress on stderr, colour only when asked.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProviderCli } from 'onefn/cli';
import { run } from './run.js';

const ENTRY = fileURLToPath(new URL('../../adapters/aws/test/app/index.ts', import.meta.url));
const PROVIDERS = ['aws', 'gcp', 'azure'] as const;

async function providerCli(provider: string): Promise<ProviderCli> {
  return ((await import(`@onefn/${provider}/cli`)) as { cli: ProviderCli }).cli;
}

describe('onefn --version and --help', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await run([flag])).toEqual({ code: 0, out: `onefn ${version}\n`, err: '' });
  });

  it('prints the commands for --help (exit 0) and on stderr with no command (exit 2)', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['dev', 'invoke', 'build', 'deploy', 'rollback', 'destroy', 'logs']) expect(help.out).toContain(`  ${command} `);
    const none = await run([]);
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toContain('Usage: onefn');
  });

  it.each(['dev', 'invoke local'])('onefn %s --help lists its flags', async (command) => {
    const res = await run([...command.split(' '), '--help']);
    expect(res.code).toBe(0);
    for (const flag of command === 'dev' ? ['--port <port>', '--host <host>', '--no-watch', '-h, --help'] : ['--event <file.json>', '--function <name>', '--config <file>']) expect(res.out).toContain(flag);
  });

  it.each(PROVIDERS)('every %s command has --help listing each of its flags, and the shared ones', async (provider) => {
    const cli = await providerCli(provider);
    for (const [command, spec] of Object.entries(cli.commands)) {
      const res = await run([command, provider, '--help']);
      expect(res.code, `${command} ${provider}`).toBe(0);
      expect(res.out).toContain(`Usage: onefn ${command} ${provider} ${spec.usage}`);
      for (const [name, flag] of Object.entries(spec.flags)) expect(res.out).toContain(`--${name}${flag.type === 'string' ? ` <${flag.placeholder ?? 'value'}>` : ''}`);
      expect(res.out).toContain('--config <file>');
      if (command === 'build' || command === 'deploy') for (const shared of ['--json', '--stage <name>']) expect(res.out).toContain(shared);
      if (command === 'deploy') expect(res.out).toContain('--dry-run');
    }
  });
});

describe('the same errors and exit codes on every provider', () => {
  it.each(PROVIDERS)('%s: an unknown flag is exit 2 with the close flag named', async (provider) => {
    const typo = { aws: ['--regin', 'region'], gcp: ['--projet', 'project'], azure: ['--locaton', 'location'] }[provider];
    const res = await run(['deploy', provider, ENTRY, typo[0] as string, 'x']);
    expect(res).toEqual({ code: 2, out: '', err: `onefn: unknown flag "${typo[0]}" for onefn deploy ${provider}; did you mean --${typo[1]}? (onefn deploy ${provider} --help lists the flags)\n` });
  });

  it.each(PROVIDERS)('%s: a missing entry, a flag without its value, a boolean with one, an extra argument: exit 2', async (provider) => {
    expect(await run(['build', provider])).toEqual({ code: 2, out: '', err: `onefn: onefn build ${provider} needs an entry module (or "entry" in the config)\n` });
    expect(await run(['build', provider, ENTRY, '--out'])).toEqual({ code: 2, out: '', err: 'onefn: --out needs a value (<dir>)\n' });
    expect(await run(['build', provider, ENTRY, '--json=yes'])).toEqual({ code: 2, out: '', err: 'onefn: --json takes no value\n' });
    expect(await run(['build', provider, ENTRY, 'other.ts'])).toEqual({ code: 2, out: '', err: `onefn: unexpected argument "other.ts" for onefn build ${provider}; see onefn build ${provider} --help\n` });
  });

  it.each(PROVIDERS)('%s: a bad option value is exit 1 naming the option, in one line', async (provider) => {
    const bad = { aws: ['--region', 'us-east-1', '--create-role', '--memory', '99999'], gcp: ['--project', 'my-project', '--region', 'us-central1', '--runtime', 'nodejs16'], azure: ['--subscription', '00000000-0000-0000-0000-000000000000', '--resource-group', 'rg', '--location', 'West Europe', '--app', 'a1'] }[provider];
    const res = await run(['deploy', provider, ENTRY, '--dry-run', ...bad]);
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toMatch(/^onefn: Invalid option "(memory|runtime|location)": [^\n]+\n$/);
  });

  it('a typo in a command or a provider is exit 2 with the close name', async () => {
    expect(await run(['deplyo', 'aws'])).toEqual({ code: 2, out: '', err: 'onefn: unknown command "deplyo"; did you mean deploy? (onefn --help lists the commands)\n' });
    expect((await run(['deploy', 'azur', ENTRY])).err).toBe('onefn: unknown provider "azur"; did you mean azure?; use one of aws, gcp, azure\n');
    expect(await run(['rollbak', 'gcp', 'api'])).toEqual({ code: 2, out: '', err: 'onefn: unknown command "rollbak"; did you mean rollback? (onefn --help lists the commands)\n' });
  });

  it('hostile arguments are named, cut short, and never echoed whole', async () => {
    const long = `--${'x'.repeat(5000)}`;
    const res = await run(['build', 'aws', ENTRY, long]);
    expect(res.code).toBe(2);
    expect(res.err.length).toBeLessThan(200);
    const proto = await run(['build', 'aws', ENTRY, '--__proto__', 'x']);
    expect([proto.code, proto.err]).toEqual([2, 'onefn: unknown flag "--__proto__" for onefn build aws (onefn build aws --help lists the flags)\n']);
    expect((await run(['deploy', 'aws', ENTRY, '--memory', '-5'])).err).toBe('onefn: --memory needs a value; to give one that starts with "-", write --memory=<value>\n');
    const negative = await run(['deploy', 'aws', ENTRY, '--memory=-5', '--region', 'us-east-1', '--create-role', '--dry-run']);
    expect([negative.code, negative.err]).toEqual([2, 'onefn: --memory must be a whole number, got "-5"\n']);
    const crlf = await run(['deploy', 'aws', ENTRY, '--region', 'us-east-1\r\nx', '--create-role', '--dry-run']);
    expect(crlf.code).toBe(1);
    expect(crlf.err.trim().split('\n')).toHaveLength(1);
  });

  it('colours the error prefix only when the io says stderr is a terminal', async () => {
    expect((await run(['deplyo'], { color: true })).err).toMatch(/^\x1b\[31monefn:\x1b\[0m unknown command/);
    expect((await run(['deplyo'], { color: false })).err).not.toContain('\x1b');
    expect((await run(['build', 'aws', '--help'], { color: false })).out).not.toContain('\x1b');
  });
});

describe('progress on stderr, data on stdout', () => {
  it.each(PROVIDERS)('%s: deploy --dry-run --json prints only the JSON on stdout; progress goes to stderr', async (provider) => {
    const flags = { aws: ['--region', 'us-east-1', '--create-role'], gcp: ['--project', 'my-project', '--region', 'us-central1'], azure: ['--subscription', '00000000-0000-0000-0000-000000000000', '--resource-group', 'rg', '--location', 'westeurope', '--app', 'acme-api'] }[provider];
    const res = await run(['deploy', provider, ENTRY, '--dry-run', '--json', ...flags]);
    expect(res.code).toBe(0);
    expect(() => JSON.parse(res.out)).not.toThrow();
    expect(res.err.trim().split('\n').length).toBeGreaterThan(0);
    const text = await run(['deploy', provider, ENTRY, '--dry-run', ...flags]);
    expect(text.code).toBe(0);
    // Without --json, stdout is one line per function (or the app), progress still on stderr.
    expect(text.out).toMatch(/hello|http/);
    expect(text.err).toBe(res.err);
  });
});
