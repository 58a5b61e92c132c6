// The order app, run whole in memory: the API enqueues, deliver() runs the worker and the storage
// handler as the cloud would, and the report route signs a link to what the worker wrote.
import { describe, expect, it } from 'vitest';
import { httpRequest, invoke, memoryResources } from 'onefn/testing';
import * as app from './app.js';

const post = (json: unknown) => httpRequest({ method: 'POST', path: '/orders', json });

describe('the order app', () => {
  it('enqueues an order, writes its report, announces it, and links to it', async () => {
    const mem = memoryResources();
    const res = await invoke([app.api, app.report], post({ id: 'o-1', total: 5 }), { resources: mem });
    expect(res.status).toBe(202);
    expect(mem.sent(app.orders)).toMatchObject([{ body: { id: 'o-1', total: 5 } }]);

    const report = await mem.deliver(app);
    expect(report.ok).toBe(true);
    expect(report.deliveries.map((d) => [d.function, d.status])).toEqual([['worker', 'ok'], ['onReport', 'ok']]);
    expect(mem.object(app.reports, 'orders/o-1.json')?.json()).toEqual({ id: 'o-1', total: 5 });
    expect(mem.published(app.done)).toMatchObject([{ body: { key: 'orders/o-1.json' }, attributes: { 'ce-type': 'com.example.order.done' } }]);
    // Nothing in this module consumes the CloudEvent: another service does.
    expect(report.unconsumed).toMatchObject([{ resource: 'topic:order-done' }]);

    const link = await invoke([app.api, app.report], httpRequest({ path: '/orders/o-1/report' }), { resources: mem });
    expect(link.status).toBe(200);
    expect(new URL((link.json() as { url: string }).url).searchParams.get('expires')).toBe('300');
  });

  it('answers 404 for an order without a report, 400 for a bad order, and sends nothing', async () => {
    const mem = memoryResources();
    expect((await invoke([app.api, app.report], httpRequest({ path: '/orders/o-9/report' }), { resources: mem })).status).toBe(404);
    expect((await invoke([app.api, app.report], post({ id: 'O 1', total: -1 }), { resources: mem })).status).toBe(400);
    expect(mem.sent(app.orders)).toEqual([]);
  });

  it('answers the generic 500 when the queue refuses, and logs the provider error', async () => {
    const mem = memoryResources();
    mem.refuseNext(app.orders, { code: 'AccessDenied', message: 'not allowed' });
    const res = await invoke(app.api, post({ id: 'o-2', total: 1 }), { resources: mem });
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('AccessDenied');
    expect(res.logs.entries.find((e) => e.level === 'error')?.fields['error']).toMatchObject({ name: 'ProviderError', code: 'PROVIDER_REFUSED' });
  });

  it('retries a worker that fails, then reports the order as failed', async () => {
    const mem = memoryResources();
    await invoke(app.api, post({ id: 'o-3', total: 1 }), { resources: mem });
    for (let i = 0; i < 3; i++) mem.refuseNext(app.reports, { code: 'SlowDown', message: 'reduce your request rate' });
    const report = await mem.deliver(app);
    expect(report.ok).toBe(false);
    expect(report.failed).toMatchObject([{ function: 'worker', attempts: 3 }]);
    expect(mem.keys(app.reports)).toEqual([]);
  });
});
