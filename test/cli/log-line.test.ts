import { describe, expect, it } from 'vitest';
import { formatLogLine } from 'onefn/cli';

describe('formatLogLine', () => {
  const line = { time: '2026-12-07T05:00:00.000Z', level: 'info', message: 'ok', requestId: 'r-1' };

  it('prints one line: time, level, request id, message', () => {
    expect(formatLogLine(line)).toBe('2026-12-07T05:00:00.000Z INFO  [r-1] ok');
    expect(formatLogLine({ ...line, level: null, requestId: null })).toBe('2026-12-07T05:00:00.000Z -     ok');
  });

  it('a message cannot forge a line or drive the terminal, on any provider (the escaping is shared)', () => {
    const forged = formatLogLine({ ...line, message: 'a\r\n2026-12-07T05:00:01.000Z ERROR [x] forged\x1b[2J\u009b31m\u2028end', requestId: 'r\x07\n1', level: 'in\x1bfo' });
    expect(forged.split('\n')).toHaveLength(1);
    expect(forged).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(forged).toBe('2026-12-07T05:00:00.000Z IN\\x1bFO [r\\x07 1] a 2026-12-07T05:00:01.000Z ERROR [x] forged\\x1b[2J\\x9b31m\\u2028end');
  });
});
