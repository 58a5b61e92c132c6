// The requests every case answers, the same on every provider, and what a correct answer is. Plain
// data only: the drivers that run inside the timed processes import this, and must not touch lazily
// loaded globals (URL, TextEncoder, Response...) before they time a first invocation.

/** The realistic request: a route parameter, a query string, a cookie, 10 headers, a JSON body. */
export const ORDER_REQUEST = {
  method: 'POST',
  path: '/shops/acme/orders',
  query: 'currency=EUR&channel=web',
  cookie: 'session=s-7f3a9c21e4',
  /** Ten headers besides the cookie (host and content-length are set where the payload is built). */
  headers: {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate, br',
    'accept-language': 'en-GB,en;q=0.9',
    'content-type': 'application/json',
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-proto': 'https',
    'x-request-id': '5bbd0e3e-fe7a-4299-9076-32d4de45391b',
  },
} as const;

export interface OrderItem {
  sku: string;
  qty: number;
  price: number;
}
export interface OrderBody {
  orderId: string;
  customer: { id: string; email: string };
  items: OrderItem[];
  currency: string;
  note?: string;
}

/** About 200 bytes of JSON. */
export const ORDER_BODY: OrderBody = {
  orderId: 'ord-000123',
  customer: { id: 'cus-42', email: 'ada@example.com' },
  items: [{ sku: 'sku-1', qty: 2, price: 12.5 }, { sku: 'sku-2', qty: 1, price: 99 }],
  currency: 'EUR',
  note: 'leave at the door',
};

/** The same order with enough items to weigh about 100 KB. */
export function largeOrder(bytes = 100 * 1024): OrderBody {
  const items: OrderItem[] = [];
  const order = { ...ORDER_BODY, items };
  // Each item is about 40 bytes of JSON; fill to the size asked for.
  while (JSON.stringify(order).length < bytes) items.push({ sku: `sku-${items.length + 1}`, qty: (items.length % 5) + 1, price: 10 + (items.length % 90) });
  return order;
}

/** The answer every case must give for an order (body JSON; the header and the cookie are below). */
export function expectedOrderAnswer(body: OrderBody): Record<string, unknown> {
  return { shop: 'acme', orderId: body.orderId, currency: 'EUR', session: 's-7f3a9c21e4', total: body.items.reduce((n, i) => n + i.qty * i.price, 0) };
}
export const ORDER_HEADER = 'x-order';
export const orderSetCookie = (orderId: string): string => `last-order=${orderId}; Path=/; HttpOnly`;

/** The hello request: GET /hello?name=Ada -> {"message":"Hello, Ada!"}. */
export const HELLO_ANSWER = { message: 'Hello, Ada!' };

/** Queue and topic messages: each carries a quantity that the handler adds to a counter. */
export const messageBody = (i: number): { orderId: string; qty: number } => ({ orderId: `ord-${i}`, qty: i + 1 });

/**
 * What message handlers count into, so that a check can tell that every message was read. One object
 * made at load time: touching it costs every case the same.
 */
export interface SeenCounter {
  n: number;
}
export const SEEN_KEY = '__onefnBenchSeen';
export function seenCounter(): SeenCounter {
  const store = globalThis as unknown as Record<string, SeenCounter | undefined>;
  return (store[SEEN_KEY] ??= { n: 0 });
}

/** Deep equality for JSON values (checks run once per case, before timing). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
