import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineHttp, defineTopic, type LogLevel } from 'onefn';
import { parseTrace, serve } from '@onefn/gcp';
import { httpRequest, startServer, type TestServer } from '@onefn/gcp/testing';
import { fixtureRequest } from './fixtures.js';

const lines: Array<{ line: Record<string, unknown>; level: LogLevel }> = [];
const servers: TestServer[] = [];
let http: TestServer;
let topic: TestServer;

beforeAll(async () => {
  const env = { GOOGLE_CLOUD_PROJECT: 'my-proj', K_SERVICE: 'svc' };
  const write = (line: string, level: LogLevel): void => void lines.push({ line: JSON.parse(line) as Record<string, unknown>, level });
  serve(
    {
      logHttp: defineHttp({ handler: (_req, ctx) => { ctx.log.warn('careful', { user: 'u1' }); return { status: 204 }; } }),
      logTopic: defineTopic({ topic: 't', handler: (m, ctx) => ctx.log.info('got', { id: m.id }) }),
    },
    { env, write },
  );
  http = await startServer('logHttp');
  topic = await startServer('logTopic');
  servers.push(http, topic);
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('Cloud Logging structured lines', () => {
  it('writes severity, message, fields and the trace of an Eventarc delivery', async () => {
    lines.length = 0;
    expect((await topic.send(fixtureRequest('gcp/cloudevent-binary/pubsub-eventarc-request.body.json'))).status).toBe(204);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('info');
    expect(lines[0]?.line).toMatchObject({
      severity: 'INFO',
      message: 'got',
      requestId: '1999507485604232',
      id: '1999507485604232',
      'logging.googleapis.com/trace': 'projects/my-proj/traces/99f400597336e627f680986c0835f115',
      // The header's decimal span id, in the hex form Cloud Logging reads.
      'logging.googleapis.com/spanId': '9509a9b8a2fe4b37',
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(typeof lines[0]?.line['time']).toBe('string');
  });

  it('reads traceparent on HTTP requests, and maps warn to WARNING', async () => {
    lines.length = 0;
    await http.send(httpRequest({ headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }));
    expect(lines[0]?.line).toMatchObject({ severity: 'WARNING', message: 'careful', user: 'u1', 'logging.googleapis.com/trace': 'projects/my-proj/traces/4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(lines[0]?.level).toBe('warn');
  });

  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const traceFields = (trace: string, span: string, sampled: boolean): Record<string, unknown> => ({
    'logging.googleapis.com/trace': `projects/my-proj/traces/${trace}`,
    'logging.googleapis.com/spanId': span,
    'logging.googleapis.com/trace_sampled': sampled,
  });
  it.each([
    ['flags 01: sampled', `00-${TRACE}-00f067aa0ba902b7-01`, traceFields(TRACE, '00f067aa0ba902b7', true)],
    ['flags 00: not sampled', `00-${TRACE}-00f067aa0ba902b7-00`, traceFields(TRACE, '00f067aa0ba902b7', false)],
    ['flags 03: bit 0 decides', `00-${TRACE}-00f067aa0ba902b7-03`, traceFields(TRACE, '00f067aa0ba902b7', true)],
    ['flags 02: bit 0 decides', `00-${TRACE}-00f067aa0ba902b7-02`, traceFields(TRACE, '00f067aa0ba902b7', false)],
    ['a later version with more fields', `01-${TRACE}-00f067aa0ba902b7-01-what-comes-next`, traceFields(TRACE, '00f067aa0ba902b7', true)],
    ['padded with spaces', `  00-${TRACE}-00f067aa0ba902b7-01 `, traceFields(TRACE, '00f067aa0ba902b7', true)],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-00F067AA0BA902B7-01`, undefined],
    ['upper-case flags', `00-${TRACE}-00f067aa0ba902b7-0A`, undefined],
    ['a trace id one digit short', `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`, undefined],
    ['a trace id one digit long', `00-${TRACE}a-00f067aa0ba902b7-01`, undefined],
    ['a parent id one digit short', `00-${TRACE}-00f067aa0ba902b-01`, undefined],
    ['a one-digit flags field', `00-${TRACE}-00f067aa0ba902b7-1`, undefined],
    ['version 00 with a fifth field', `00-${TRACE}-00f067aa0ba902b7-01-extra`, undefined],
    ['version ff', `ff-${TRACE}-00f067aa0ba902b7-01`, undefined],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, undefined],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    ['not hex', `00-${'g'.repeat(32)}-00f067aa0ba902b7-01`, undefined],
    ['garbage', 'nonsense', undefined],
    ['empty', '', undefined],
  ])('traceparent with %s', async (_what, traceparent, fields) => {
    lines.length = 0;
    expect((await http.send(httpRequest({ headers: { traceparent } }))).status).toBe(204);
    expect(lines).toHaveLength(1);
    const line = lines[0]?.line ?? {};
    const got = Object.fromEntries(Object.entries(line).filter(([k]) => k.startsWith('logging.googleapis.com/')));
    expect(got).toEqual(fields ?? {});
  });

  it('omits the trace when no trace header arrives', async () => {
    lines.length = 0;
    await http.send(httpRequest());
    expect(lines[0]?.line).not.toHaveProperty('logging.googleapis.com/trace');
  });
});

describe('parseTrace', () => {
  it.each([
    ['99f400597336e627f680986c0835f115/10739301396915309367;o=1', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: '9509a9b8a2fe4b37', sampled: true }],
    ['99F400597336E627F680986C0835F115/1;o=0', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: '0000000000000001', sampled: false }],
    ['99f400597336e627f680986c0835f115/18446744073709551615;o=1', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: 'ffffffffffffffff', sampled: true }],
    // Past 64 bits, or zero: the trace is kept, the span id is not.
    ['99f400597336e627f680986c0835f115/18446744073709551616;o=1', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: undefined, sampled: true }],
    ['99f400597336e627f680986c0835f115/0', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: undefined, sampled: undefined }],
    [undefined, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true }],
    ['99f400597336e627f680986c0835f115', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: undefined, sampled: undefined }],
    [undefined, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: false }],
    ['garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', undefined],
    [undefined, 'nonsense', undefined],
  ])('%s / %s', (cloud, parent, want) => {
    expect(parseTrace(cloud, parent)).toEqual(want);
  });
});
