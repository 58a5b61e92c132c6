import { describe, expect, it } from 'vitest';
import { parseSchedule, toAwsSchedule, toNcrontab, toUnixCron } from 'onefn/runtime';
import { DefinitionError } from 'onefn';

describe('portable schedules translate to each provider', () => {
  it.each([
    // portable,               AWS EventBridge,                 Cloud Scheduler,   Azure NCRONTAB
    ['0 9 * * MON-FRI', 'cron(0 9 ? * MON,TUE,WED,THU,FRI *)', '0 9 * * MON-FRI', '0 0 9 * * 1,2,3,4,5'],
    ['0 9 * * 1-5', 'cron(0 9 ? * MON,TUE,WED,THU,FRI *)', '0 9 * * 1-5', '0 0 9 * * 1,2,3,4,5'],
    ['30 2 * * *', 'cron(30 2 * * ? *)', '30 2 * * *', '0 30 2 * * *'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)', '0 0 1 * *', '0 0 0 1 * *'],
    ['*/15 * * * *', 'cron(*/15 * * * ? *)', '*/15 * * * *', '0 */15 * * * *'],
    ['0 12 * * 0', 'cron(0 12 ? * SUN *)', '0 12 * * 0', '0 0 12 * * 0'],
    ['0 12 * * 7', 'cron(0 12 ? * SUN *)', '0 12 * * 7', '0 0 12 * * 0'],
    ['0 12 * * 5-7', 'cron(0 12 ? * SUN,FRI,SAT *)', '0 12 * * 5-7', '0 0 12 * * 0,5,6'],
    ['0 12 * * */2', 'cron(0 12 ? * SUN,TUE,THU,SAT *)', '0 12 * * */2', '0 0 12 * * 0,2,4,6'],
    ['0 6 * jan,jul sat', 'cron(0 6 ? JAN,JUL SAT *)', '0 6 * JAN,JUL SAT', '0 0 6 * JAN,JUL 6'],
    ['rate(5 minutes)', 'rate(5 minutes)', '*/5 * * * *', '0 */5 * * * *'],
    ['every 1 minute', 'rate(1 minute)', '* * * * *', '0 * * * * *'],
    ['rate(6 hours)', 'rate(6 hours)', '0 */6 * * *', '0 0 */6 * * *'],
    ['rate(1 day)', 'rate(1 day)', '0 0 * * *', '0 0 0 * * *'],
  ])('%s', (portable, aws, unix, ncrontab) => {
    const parsed = parseSchedule(portable);
    expect(toAwsSchedule(parsed)).toBe(aws);
    expect(toUnixCron(parsed)).toBe(unix);
    expect(toNcrontab(parsed)).toBe(ncrontab);
  });

  it('refuses what EventBridge cannot express, naming the schedule', () => {
    expect(() => toAwsSchedule(parseSchedule('0 9 1 * MON'))).toThrow(DefinitionError);
    expect(() => toAwsSchedule(parseSchedule('0 9 1 * MON'))).toThrow(/day-of-month and day-of-week/);
  });

  it.each(['', '* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '* * * * FUN', '*/0 * * * *', '1-2-3 * * * *', 'rate(0 minutes)', 'rate(5 weeks)'])(
    'rejects %j',
    (expression) => {
      expect(() => parseSchedule(expression)).toThrow(DefinitionError);
    },
  );
});
