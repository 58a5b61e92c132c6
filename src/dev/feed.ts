import type { ServerResponse } from 'node:http';

/** What the live feed carries. */
export type FeedEventType = 'invocation' | 'reload' | 'log';

export interface FeedEvent {
  readonly id: number;
  readonly type: FeedEventType;
  readonly data: unknown;
}

/** How many past events a new subscriber (or one reconnecting with Last-Event-ID) is sent first. */
const BACKLOG = 200;
/** A comment line keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * The dev server's event feed, sent as Server-Sent Events (`text/event-stream`): each event has an
 * increasing `id`, so a browser's EventSource that reconnects sends `Last-Event-ID` and gets only
 * what it missed, from a bounded backlog.
 */
export class Feed {
  private next = 1;
  private readonly backlog: FeedEvent[] = [];
  private readonly subscribers = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  publish(type: FeedEventType, data: unknown): FeedEvent {
    const event: FeedEvent = { id: this.next++, type, data };
    this.backlog.push(event);
    if (this.backlog.length > BACKLOG) this.backlog.shift();
    const frame = Feed.frame(event);
    for (const res of this.subscribers) res.write(frame);
    return event;
  }

  /** Events after `afterId`, oldest first. */
  since(afterId: number): FeedEvent[] {
    return this.backlog.filter((e) => e.id > afterId);
  }

  subscribe(res: ServerResponse, afterId: number): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    for (const event of this.since(afterId)) res.write(Feed.frame(event));
    this.subscribers.add(res);
    res.on('close', () => {
      this.subscribers.delete(res);
      if (!this.subscribers.size && this.heartbeat) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const r of this.subscribers) r.write(': keep-alive\n\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  /** JSON never holds a raw newline, so one `data:` line carries the whole event. */
  private static frame(event: FeedEvent): string {
    return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
  }
}
