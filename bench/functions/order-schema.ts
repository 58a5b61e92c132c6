// The zod schema of the order body, for the cases that validate it.
import { z } from 'zod';

export const Order = z.object({
  orderId: z.string(),
  customer: z.object({ id: z.string(), email: z.string() }),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive(), price: z.number() })),
  currency: z.string().length(3),
  note: z.string().optional(),
});
