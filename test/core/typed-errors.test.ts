import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every error onefn throws is an OnefnError with a code (issue 11): a user catches by `code`, never by
// parsing a message. This reads every source file of the core and the adapters and lists each `throw`
// of a bare built-in error. The dashboard's browser code is left out: its form errors never leave the
// page (they are shown beside the field).
const ROOT = join(import.meta.dirname, '..', '..');
const ROOTS = ['src', 'adapters/aws/src', 'adapters/gcp/src', 'adapters/azure/src'];
const BROWSER = join('src', 'dev', 'dashboard');
const BARE = /throw new (Error|TypeError|RangeError|SyntaxError|ReferenceError)\(/g;
const SUBCLASS = /class \w+ extends (Error|TypeError|RangeError)\b/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function findings(pattern: RegExp): string[] {
  const out: string[] = [];
  for (const root of ROOTS) {
    for (const file of sources(join(ROOT, root))) {
      const rel = relative(ROOT, file);
      if (rel.startsWith(BROWSER)) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (pattern.test(line)) out.push(`${rel}:${i + 1}: ${line.trim()}`);
        pattern.lastIndex = 0;
      });
    }
  }
  return out;
}

describe('typed errors', () => {
  it('no source throws a bare Error, TypeError or RangeError', () => {
    expect(findings(BARE)).toEqual([]);
  });

  it('no error class extends a built-in error directly: each extends OnefnError', () => {
    // OnefnError itself is the one class that extends Error.
    expect(findings(SUBCLASS).filter((f) => !f.startsWith(join('src', 'onefn', 'errors.ts')))).toEqual([]);
  });

  it('the scan sees the code it claims to read (a file that throws a typed error is found)', () => {
    expect(findings(/throw new OnefnError\(/g).length).toBeGreaterThan(10);
  });
});
