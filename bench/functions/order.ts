// What every order case computes from the request, shared so that each does the same work.
import type { OrderBody } from '../workload.js';

export type { OrderBody };

export function orderAnswer(shop: string | undefined, currency: unknown, session: string | undefined, body: OrderBody): Record<string, unknown> {
  let total = 0;
  for (const item of body.items) total += item.qty * item.price;
  return { shop, orderId: body.orderId, currency, session, total };
}

/** Reads one cookie from a Cookie header, as a hand-written function would. */
export function cookieFrom(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The route hand-written functions match themselves (onefn, Hono and Azure's host match it for theirs). */
export const ORDER_ROUTE = /^\/shops\/([^/]+)\/orders$/;
