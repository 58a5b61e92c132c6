// Every package says MIT in package.json and ships the MIT LICENSE file that says so.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const packages = ['', 'adapters/aws/', 'adapters/gcp/', 'adapters/azure/'];

describe.each(packages)('package %s', (dir) => {
  it('is MIT, and lists a LICENSE file that holds the MIT text', () => {
    const pkg = JSON.parse(readFileSync(new URL(`${dir}package.json`, root), 'utf8')) as { license: string; files: string[] };
    expect(pkg.license).toBe('MIT');
    expect(pkg.files).toContain('LICENSE');
    const license = new URL(`${dir}LICENSE`, root);
    expect(existsSync(license)).toBe(true);
    const text = readFileSync(license, 'utf8');
    expect(text.startsWith('MIT License\n')).toBe(true);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
