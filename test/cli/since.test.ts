// `onefn logs <provider> --since` is one parser (onefn/cli): the same text gets the same answer, and the
// same exit code, on every provider, before any provider is called.
import { describe, expect, it } from 'vitest';
import { MAX_SINCE_MS, parseDuration } from 'onefn/cli';
import { run } from './run.js';

const BAD = ['yesterday', '2 weeks', '0s', '0d', '31d', '721h', '1.5h', '-1m', '15', 'm', '15M', '1e3s', ' 15m', '15m\n', '__proto__', 'constructor', '9'.repeat(60) + 's'];
// Every provider's location flags, pointed nowhere: a bad --since must fail before any of them is used.
const WHERE: Record<string, string[]> = {
  aws: ['api', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9'],
  gcp: ['api', '--project', 'p', '--region', 'europe-west1'],
  azure: ['acme-api', '--resource-group', 'rg', '--subscription', '00000000-0000-0000-0000-000000000000'],
};

describe('parseDuration', () => {
  it('reads a whole number and one unit, up to 30 days', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('30d')).toBe(MAX_SINCE_MS);
    expect(parseDuration('720h')).toBe(MAX_SINCE_MS);
    for (const bad of BAD) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

describe('onefn logs --since', () => {
  it.each(BAD)('refuses %j with the same line and exit code 2 on every provider', async (since) => {
    const answers = await Promise.all(Object.entries(WHERE).map(async ([provider, where]) => run(['logs', provider, ...where, `--since=${since}`], { env: {} })));
    const shown = JSON.stringify(since.length > 40 ? `${since.slice(0, 40)}...` : since);
    for (const answer of answers) {
      expect(answer).toEqual({ code: 2, out: '', err: `onefn: --since takes a duration such as 30s, 15m, 2h or 1d, up to 30d; got ${shown}\n` });
    }
  });
});
