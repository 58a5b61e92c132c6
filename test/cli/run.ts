import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { REPORT_FUNCTION_KEYS, REPORT_KEYS, runCli, type CliIO, type CommandReport } from 'onefn/cli';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `onefn <argv>` in-process; returns the exit code and what went to stdout and stderr. */
export async function run(argv: string[], options: { env?: Record<string, string | undefined>; color?: boolean; cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: options.cwd ?? repo, env: options.env ?? {}, color: options.color ?? false };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** The shape every report has, whatever the provider. */
export function expectReportShape(report: CommandReport, command: 'build' | 'deploy', provider: string): void {
  expect(Object.keys(report)).toEqual([...REPORT_KEYS]);
  expect(report).toMatchObject({ schema: 1, command, provider });
  expect(report.functions.length).toBeGreaterThan(0);
  for (const f of report.functions) {
    expect(Object.keys(f)).toEqual([...REPORT_FUNCTION_KEYS]);
    expect(['http', 'message', 'storage', 'schedule', 'cloudevent']).toContain(f.kind);
    expect(typeof f.detail).toBe('object');
  }
  expect(report.artifacts.length).toBeGreaterThan(0);
  for (const a of report.artifacts) {
    expect(Object.keys(a)).toEqual(['path', 'bytes', 'sha256', 'functions']);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.bytes).toBeGreaterThan(0);
  }
}
