// The README's "Testing with vitest" example, verbatim apart from the import paths.
import { describe, expect, it } from 'vitest';
import { httpRequest, invoke, message } from 'onefn/testing';
import { createUser, getUser } from './api.js';
import { orders } from './worker.js';

describe('api', () => {
  it('creates a user', async () => {
    const res = await invoke([getUser, createUser], httpRequest({ method: 'POST', path: '/users', json: { name: 'Ada' } }));
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ name: 'Ada' });
    expect(res.logs.messages('info')).toContain('user created');
  });

  it('rejects an empty name', async () => {
    const res = await invoke(createUser, httpRequest({ method: 'POST', path: '/users', json: { name: '' } }));
    expect(res.status).toBe(400);
  });

  it('fails only the bad message', async () => {
    const batch = await invoke(orders, [message({ body: { id: 'a', total: 1 } }), message({ body: { id: 'b', total: -1 } })]);
    expect(batch.failed).toHaveLength(1);
  });

  it('answers 404 from the handler for an unknown user, and reads a created one', async () => {
    const created = await invoke([getUser, createUser], httpRequest({ method: 'POST', path: '/users', json: { name: 'Bo' } }));
    const { id } = created.json() as { id: string };
    expect((await invoke([getUser, createUser], httpRequest({ path: `/users/${id}` }))).json()).toEqual({ name: 'Bo' });
    const missing = await invoke([getUser, createUser], httpRequest({ path: '/users/999' }));
    expect([missing.status, (missing.json() as { detail: string }).detail]).toEqual([404, 'No user 999']);
  });
});
