// A function whose definition sets CORS and validates its body: its build must keep the CORS and
// validation code that a build of functions without them leaves out (see httpFeatures).
import { z } from 'zod';
import { defineHttp, json } from 'onefn';

export const profile = defineHttp({
  method: 'PUT',
  route: '/profile',
  cors: { origins: ['https://app.example'], maxAge: 600 },
  body: z.object({ name: z.string().min(1) }),
  handler: (req) => json({ saved: req.body.name }),
});
