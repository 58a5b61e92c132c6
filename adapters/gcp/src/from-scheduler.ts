import type { Native, ScheduleEvent } from 'onefn';
import { createScheduleEvent } from 'onefn/runtime';
import type { Delivery } from './from-delivery.js';
import type { GcpRequest } from './native.js';
import { pubsubMessageOf } from './from-pubsub.js';

const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * A tick from a Cloud Scheduler job with an HTTP target. Scheduler adds `X-CloudScheduler-JobName`
 * and `X-CloudScheduler-ScheduleTime` to the requests it sends
 * (https://cloud.google.com/scheduler/docs/reference/rpc/google.cloud.scheduler.v1#httptarget).
 */
export function scheduleFromHttp(req: GcpRequest, requestId: string, native: Native): ScheduleEvent {
  const h = req.headers;
  const job = h['x-cloudscheduler-jobname'];
  const at = h['x-cloudscheduler-scheduletime'];
  const time = typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : undefined;
  return createScheduleEvent({ id: requestId, scheduledTime: time, name: typeof job === 'string' ? job : undefined, native });
}

/** A tick from a job whose target is a Pub/Sub topic, or Scheduler's own `job.v1.executed` event. */
export function scheduleFromDelivery(delivery: Delivery, native: Native): ScheduleEvent | undefined {
  if (delivery.type === PUBSUB_PUBLISHED) {
    const m = pubsubMessageOf(delivery);
    const topic = /\/topics\/([^/]+)$/.exec(delivery.source)?.[1];
    return createScheduleEvent({ id: m.id, scheduledTime: m.publishTime, name: topic, native });
  }
  if (delivery.type === 'google.cloud.scheduler.job.v1.executed') {
    const job = /\/jobs\/([^/]+)$/.exec(delivery.source)?.[1];
    return createScheduleEvent({ id: delivery.id, scheduledTime: delivery.time, name: job, native });
  }
  return undefined;
}
