// Whether a case answered correctly: run once before it is timed, and once after.
import { sameJson, seenCounter } from '../workload.js';
import type { Expectation, HttpAnswer } from './protocol.js';

const short = (text: string): string => (text.length > 160 ? `${text.slice(0, 160)}...` : text);

export function checkHttp(answer: HttpAnswer, expect: Expectation): string | undefined {
  if (expect.status !== undefined && answer.status !== expect.status) return `status ${answer.status}: ${short(answer.body)}`;
  if (expect.json !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return `body is not JSON: ${short(answer.body)}`;
    }
    if (!sameJson(body, expect.json)) return `body ${short(answer.body)}`;
  }
  if (expect.header) {
    const [name, value] = expect.header;
    if (answer.headers[name] !== value) return `header ${name}: ${String(answer.headers[name])}`;
  }
  if (expect.setCookie !== undefined && !answer.setCookies.includes(expect.setCookie)) return `Set-Cookie ${JSON.stringify(answer.setCookies)}`;
  return undefined;
}

export function checkResult(result: unknown, expect: Expectation): string | undefined {
  if (expect.result !== undefined && !sameJson(result, expect.result)) return `answered ${short(JSON.stringify(result) ?? String(result))}`;
  return undefined;
}

/**
 * Runs one invocation and checks it: the answer, and for event handlers that the handler counted
 * what each message carried.
 */
export async function checkOnce(run: () => unknown, verdict: (result: unknown) => string | undefined, expect: Expectation): Promise<string | undefined> {
  const seen = seenCounter();
  const before = seen.n;
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    return `threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  const problem = verdict(result);
  if (problem) return problem;
  if (expect.seen !== undefined && seen.n - before !== expect.seen) return `the handler counted ${seen.n - before}, not ${expect.seen}`;
  return undefined;
}
