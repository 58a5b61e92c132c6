// Four functions in one module, each with its own zod schemas: `onefn build aws` must put only the one
// each zip serves in that zip (bundle.test.ts measures it).
import { defineHttp, defineQueue, defineSchedule, json } from 'onefn';
import { z } from 'zod';

// Shared by two definitions: it goes where either goes.
const Address = z.object({ street: z.string().min(1).max(200), city: z.string().min(1).max(100), postcode: z.string().regex(/^[A-Z0-9 -]{3,10}$/) });

export const createOrder = defineHttp({
  method: 'POST',
  route: '/orders',
  body: z.object({ sku: z.string().length(8), quantity: z.number().int().positive().max(1000), shipTo: Address }),
  handler: (req) => json({ created: req.body.sku, marker: 'CREATE_ORDER_MARKER' }, { status: 201 }),
});

export const listInvoices = defineHttp({
  method: 'GET',
  route: '/invoices',
  query: z.object({ from: z.iso.date(), to: z.iso.date(), currency: z.enum(['EUR', 'USD', 'GBP']) }),
  handler: (req) => json({ from: req.query.from, marker: 'LIST_INVOICES_MARKER' }),
});

export const shipments = defineQueue({
  queue: 'shipments',
  schema: z.object({ orderId: z.uuid(), carrier: z.enum(['ups', 'dhl', 'fedex']), to: Address, weightGrams: z.number().int().min(1) }),
  handler: (message) => {
    if (message.body.carrier === 'fedex' && message.body.weightGrams > 68_000) throw new Error('SHIPMENTS_MARKER: too heavy for FedEx');
  },
});

export const nightly = defineSchedule({
  schedule: '0 3 * * *',
  handler: (event) => {
    if (event.pastDue) throw new Error('NIGHTLY_MARKER: late');
  },
});
