// Deploy tests: an SNS subscriber and two S3 notification handlers (one filtered, one unfiltered).
import { defineStorage, defineTopic } from 'onefn';

export const audit = defineTopic({ topic: 'audit', handler: () => {} });
// A bucket name with dots is valid in S3, but not in a Lambda permission's statement id.
export const thumbnails = defineStorage({ bucket: 'acme.uploads', changes: ['created', 'deleted'], prefix: 'images/', suffix: '.png', handler: () => {} });
export const cleanup = defineStorage({ bucket: 'acme-archive', changes: ['deleted'], handler: () => {} });
