import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { OnefnError } from 'onefn';
import { loadOptional, missingPackage, MissingPackageError, type OptionalPackage } from 'onefn/runtime';

// A project whose node_modules holds two broken packages: their folders are there, their entry files are not.
const dir = mkdtempSync(join(tmpdir(), 'onefn-optional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'node_modules/brokenpkg'), { recursive: true });
writeFileSync(join(dir, 'node_modules/brokenpkg/package.json'), JSON.stringify({ name: 'brokenpkg', main: 'gone.js' }));
mkdirSync(join(dir, 'node_modules/@sc/broken'), { recursive: true });
writeFileSync(join(dir, 'node_modules/@sc/broken/package.json'), JSON.stringify({ name: '@sc/broken', type: 'module', exports: { '.': './gone.js' } }));

/** The errors Node's own ESM loader gives (in a child: vitest resolves imports itself). */
function esmErrors(specifiers: readonly string[]): Error[] {
  const script = `const out = []; for (const s of ${JSON.stringify(specifiers)}) { try { await import(s) } catch (e) { out.push({ code: e.code, message: e.message }) } } process.stdout.write(JSON.stringify(out))`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' })) as { code: string; message: string }[];
  return out.map(({ code, message }) => Object.assign(new Error(message), { code }));
}

function requireError(specifier: string): unknown {
  try {
    createRequire(join(dir, 'x.js'))(specifier);
  } catch (error) {
    return error;
  }
  throw new Error(`${specifier} loaded`);
}

async function esbuildError(specifier: string): Promise<unknown> {
  try {
    await build({ stdin: { contents: `import x from ${JSON.stringify(specifier)}; console.log(x)`, resolveDir: dir }, bundle: true, write: false, logLevel: 'silent', platform: 'node' });
  } catch (error) {
    return error;
  }
  throw new Error(`${specifier} bundled`);
}

describe('missingPackage reads the package out of a loader error', () => {
  it('from Node\'s ESM loader: a missing package, a subpath of one, an installed package whose entry file is gone', () => {
    const [plain, sub, relative, broken, scopedBroken] = esmErrors(['nope-pkg', '@scope/nope/sub', './rel.js', 'brokenpkg', '@sc/broken']);
    expect(missingPackage(plain)).toBe('nope-pkg');
    expect(missingPackage(sub)).toBe('@scope/nope');
    expect(missingPackage(relative)).toBeUndefined();
    expect(missingPackage(broken)).toBe('brokenpkg');
    expect(missingPackage(scopedBroken)).toBe('@sc/broken');
  });

  it.each([
    ['nope-pkg', 'nope-pkg'],
    ['@scope/nope/sub', '@scope/nope'],
    ['brokenpkg', 'brokenpkg'],
    ['@sc/broken', '@sc/broken'],
    ['./rel.js', undefined],
  ])('from CommonJS require(%j)', (specifier, expected) => {
    expect(missingPackage(requireError(specifier))).toBe(expected);
  });

  it.each([
    ['nope-pkg', 'nope-pkg'],
    ['@scope/nope/deep/sub', '@scope/nope'],
    ['./rel.js', undefined],
  ])('from esbuild, bundling %j', async (specifier, expected) => {
    expect(missingPackage(await esbuildError(specifier))).toBe(expected);
  });

  it.each([
    ['not an error', 'Cannot find package'],
    ['null', null],
    ['an error without a code', new Error("Cannot find package 'x' imported from y")],
    ['a code with no package named', Object.assign(new Error('Cannot find something'), { code: 'ERR_MODULE_NOT_FOUND' })],
    ['a message that is not a string', { code: 'MODULE_NOT_FOUND', message: 42 }],
  ])('undefined for %s', (_, value) => {
    expect(missingPackage(value)).toBeUndefined();
  });

  it('takes the name from the line that says it, not from text around it (CR/LF and prototype keys included)', () => {
    const error = Object.assign(new Error("boom\r\nCannot find package '__proto__' imported from /x\nCannot find package 'other' imported from /y"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(missingPackage(error)).toBe('__proto__');
  });
});

describe('loadOptional', () => {
  const packages: OptionalPackage[] = [
    { name: 'nope-pkg', version: '1.2.3' },
    { name: '@scope/nope', version: '4.5.6' },
  ];

  it('gives back what the loader loaded', async () => {
    await expect(loadOptional('feature', packages, async () => 42)).resolves.toBe(42);
  });

  it('turns a missing listed package into one line naming it and the install command for the group', async () => {
    const [missing] = esmErrors(['@scope/nope/sub']);
    const error = await loadOptional('@onefn/x outputs', packages, () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect(error).toBeInstanceOf(OnefnError);
    const e = error as MissingPackageError;
    expect(e.code).toBe('MISSING_PACKAGE');
    expect(e.message).toBe('@onefn/x outputs needs @scope/nope: npm i -D nope-pkg@1.2.3 @scope/nope@4.5.6');
    expect(e.missing).toEqual(['@scope/nope']);
    expect(e.install).toBe('npm i -D nope-pkg@1.2.3 @scope/nope@4.5.6');
    expect(e.cause).toBe(missing);
    expect(e.message).not.toMatch(/\n/);
  });

  it('passes through a missing package it does not list (the user\'s own, or a broken install of a dependency)', async () => {
    const [missing] = esmErrors(['left-pad-not-here']);
    await expect(loadOptional('feature', packages, () => Promise.reject(missing))).rejects.toBe(missing);
  });

  it('passes through any other failure, and a value that is not an error', async () => {
    const failure = new TypeError('boom');
    await expect(loadOptional('feature', packages, () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(loadOptional('feature', packages, () => Promise.reject('text'))).rejects.toBe('text');
  });

  it('works on a real dynamic import of a listed package that is not there', async () => {
    const name = 'onefn-no-such-package';
    const error = await loadOptional('feature', [{ name, version: '0.0.1' }], () => import(/* @vite-ignore */ name)).catch((e: unknown) => e);
    expect((error as Error).message).toBe('feature needs onefn-no-such-package: npm i -D onefn-no-such-package@0.0.1');
  });
});
