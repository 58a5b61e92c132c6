// A module with a public HTTP function, a both-changes storage function and a schedule.
import { defineHttp, defineSchedule, defineStorage, json } from 'onefn';

export const web = defineHttp({ public: true, handler: () => json({ ok: true }) });
export const uploads = defineStorage({ bucket: 'my-uploads', handler: () => {} });
export const nightly = defineSchedule({ schedule: '30 2 * * MON-FRI', timeZone: 'Europe/Paris', handler: () => {} });
