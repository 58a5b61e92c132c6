import { DeployOptionError, UNKNOWN } from './options.js';

// Topic ids: 3-255 of letters, digits and `-_.~+%`, starting with a letter, not `goog...`
// (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names).
const TOPIC_ID = /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;
const TOPIC_NAME = /^projects\/([^/]+)\/topics\/([^/]+)$/;

/**
 * A topic's full name from an id (in the function's project) or a full name, checked before any call:
 * a name Pub/Sub would refuse is a `DeployOptionError`, not a failed deploy halfway through.
 */
export function topicName(given: string, project: string): string {
  const full = TOPIC_NAME.exec(given);
  const id = full ? (full[2] as string) : given;
  if (!TOPIC_ID.test(id) || (full && full[1] !== UNKNOWN.project && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(full[1] as string))) {
    throw new DeployOptionError('uses', `${JSON.stringify(given.slice(0, 80))} is not a Pub/Sub topic id (3-255 letters, digits and -_.~+%, starting with a letter) or a full topic name`);
  }
  return full ? given : `projects/${project}/topics/${given}`;
}

// Bucket names: 3-63 lower-case letters, digits, `-`, `_` and `.`, starting and ending with a letter or
// digit, never `goog...` nor containing "google" (https://cloud.google.com/storage/docs/buckets#naming).
// Dotted names (domain-verified) may reach 222; onefn creates only the plain kind.
const BUCKET = /^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/;

/** Checks a bucket name before any call; `where` says whose it is. */
export function checkBucketName(bucket: string, where: string): void {
  if (!BUCKET.test(bucket) || bucket.startsWith('goog') || bucket.includes('google') || bucket.includes('..')) {
    throw new DeployOptionError('uses', `${where}: ${JSON.stringify(bucket.slice(0, 80))} is not a Cloud Storage bucket name (3-63 lower-case letters, digits, -, _ and ., not containing "google")`);
  }
}
