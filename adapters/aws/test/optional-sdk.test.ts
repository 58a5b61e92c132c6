import { describe, expect, it } from 'vitest';
import { AwsDeployError, optionalSdk } from '../src/deploy/errors.js';

describe('an SDK that is an optional peer', () => {
  it('missing: a typed error naming the install command, not ERR_MODULE_NOT_FOUND', async () => {
    const error = await optionalSdk('@onefn/not-installed-sdk', () => import('@onefn/not-installed-sdk' as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsDeployError);
    expect(error).toMatchObject({ code: 'MISSING_PACKAGE', message: '@onefn/not-installed-sdk is not installed; it is needed here: npm i -D @onefn/not-installed-sdk' });
  });

  it('present: loaded; any other failure passes through as it was', async () => {
    expect(typeof (await optionalSdk('@aws-sdk/client-scheduler', () => import('@aws-sdk/client-scheduler'))).SchedulerClient).toBe('function');
    const broken = Object.assign(new Error('Cannot find module "./chunk.js" imported from @aws-sdk/client-scheduler'), { code: 'ERR_MODULE_NOT_FOUND' });
    // A package that is there but broken inside is not "not installed": the message must name the package itself.
    await expect(optionalSdk('@aws-sdk/client-logs', () => Promise.reject(broken))).rejects.toBe(broken);
    const other = new TypeError('boom');
    await expect(optionalSdk('@aws-sdk/client-scheduler', () => Promise.reject(other))).rejects.toBe(other);
  });
});
