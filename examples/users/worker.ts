// The README's queue example.
import { defineQueue } from 'onefn';
import { z } from 'zod';

export const orders = defineQueue({
  queue: 'orders',
  schema: z.object({ id: z.string(), total: z.number().nonnegative() }),
  handler: async (msg, ctx) => {
    ctx.log.info('order', { id: msg.body.id, attempt: msg.attempt, queue: msg.source });
  },
});
