// The README's first example, kept here so that a test proves it works as written.
import { defineHttp, HttpError, json } from 'onefn';
import { z } from 'zod';

const users = new Map<string, { name: string }>();

export const getUser = defineHttp({
  method: 'GET',
  route: '/users/:id',
  handler: (req) => {
    const user = users.get(req.params.id); // req.params is typed { id: string } from the route
    if (!user) throw new HttpError(404, `No user ${req.params.id}`);
    return json(user);
  },
});

export const createUser = defineHttp({
  method: 'POST',
  route: '/users',
  body: z.object({ name: z.string().min(1).max(100) }),
  handler: (req, ctx) => {
    const id = String(users.size + 1);
    users.set(id, req.body); // req.body is typed { name: string }
    ctx.log.info('user created', { id });
    return json({ id, ...req.body }, { status: 201 });
  },
});
