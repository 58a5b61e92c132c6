import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineHttp, defineTopic, type LogLevel } from 'onefn';
import { parseTrace, register } from '@onefn/gcp';
import { httpRequest, startServer, type TestServer } from '@onefn/gcp/testing';
import { fixtureRequest } from './fixtures.js';

const lines: Array<{ line: Record<string, unknown>; level: LogLevel }> = [];
const servers: TestServer[] = [];
let http: TestServer;
let topic: TestServer;

beforeAll(async () => {
  const env = { GOOGLE_CLOUD_PROJECT: 'my-proj', K_SERVICE: 'svc' };
  const write = (line: string, level: LogLevel): void => void lines.push({ line: JSON.parse(line) as Record<string, unknown>, level });
  register(
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
      'logging.googleapis.com/spanId': '10739301396915309367',
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

  it('omits the trace when no trace header arrives', async () => {
    lines.length = 0;
    await http.send(httpRequest());
    expect(lines[0]?.line).not.toHaveProperty('logging.googleapis.com/trace');
  });
});

describe('parseTrace', () => {
  it.each([
    ['99f400597336e627f680986c0835f115/10739301396915309367;o=1', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: '10739301396915309367', sampled: true }],
    ['99F400597336E627F680986C0835F115/1;o=0', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: '1', sampled: false }],
    ['99f400597336e627f680986c0835f115', undefined, { traceId: '99f400597336e627f680986c0835f115', spanId: undefined, sampled: undefined }],
    [undefined, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: false }],
    ['garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', undefined],
    [undefined, 'nonsense', undefined],
  ])('%s / %s', (cloud, parent, want) => {
    expect(parseTrace(cloud, parent)).toEqual(want);
  });
});
