import type { InvocationRecord } from '../invoke.js';
import { h, pretty } from './dom.js';

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  issues?: Array<{ location?: string; path?: Array<string | number>; message: string }>;
}

/** A problem document: its status, detail and every issue path. */
export function showProblem(result: HTMLElement, problem: Problem): void {
  result.replaceChildren(h('p', { class: 'status-bad' }, `${problem.status} ${problem.title ?? ''}`), h('p', {}, problem.detail ?? ''));
  if (problem.issues?.length) result.append(h('ul', { class: 'issues' }, ...problem.issues.map((i) => h('li', {}, `${[i.location, ...(i.path ?? [])].filter((x) => x !== undefined).join('.')}: ${i.message}`))));
}

export interface InvokeAnswer {
  record: InvocationRecord;
  response?: { status: number; headers: Record<string, string | string[]>; cookies: string[]; body: string; bodyEncoding: string };
}

/** An invocation's answer: the HTTP response or each item's outcome, and the native event and result. */
export function showAnswer(result: HTMLElement, answer: InvokeAnswer): void {
  const { record, response } = answer;
  const parts: Array<HTMLElement | null> = [];
  if (response) {
    let problem: Problem | undefined;
    const type = String(response.headers['content-type'] ?? '');
    let body = response.body;
    if (type.includes('json') && response.bodyEncoding === 'utf8') {
      try {
        const parsed = JSON.parse(body) as unknown;
        body = pretty(parsed);
        if (type.includes('problem+json')) problem = parsed as Problem;
      } catch {
        // Shown as sent.
      }
    }
    parts.push(h('p', { class: response.status < 400 ? 'status-ok' : 'status-bad' }, `HTTP ${response.status} · ${record.durationMs} ms · ${record.function}${record.provider === 'local' ? '' : ` as ${record.provider}`}`));
    if (problem?.issues?.length) parts.push(h('ul', { class: 'issues', 'aria-label': 'Validation issues' }, ...problem.issues.map((i) => h('li', {}, `${[i.location, ...(i.path ?? [])].filter((x) => x !== undefined).join('.')}: ${i.message}`))));
    parts.push(h('details', {}, h('summary', {}, 'Headers'), h('pre', {}, pretty({ ...response.headers, ...(response.cookies.length ? { 'set-cookie': response.cookies } : {}) }))));
    parts.push(h('pre', { 'aria-label': 'Response body' }, body));
  } else {
    const failed = record.failed ?? [];
    parts.push(h('p', { class: failed.length ? 'status-bad' : 'status-ok' }, `${failed.length ? `${failed.length} of ${record.outcomes?.length ?? 0} failed` : 'all ok'} · ${record.durationMs} ms${record.provider === 'local' ? '' : ` · as ${record.provider}`}`));
    parts.push(
      h('table', { 'aria-label': 'Outcomes' }, h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, 'outcome'), h('th', {}, 'error'))),
        h('tbody', {}, ...(record.outcomes ?? []).map((o) => h('tr', {}, h('td', {}, o.id), h('td', { class: o.status === 'ok' ? 'status-ok' : 'status-bad' }, o.status), h('td', {}, o.error ?? o.reason ?? ''))))),
    );
    if (record.onFailure) {
      const next = typeof record.onFailure === 'string' ? { [record.provider]: record.onFailure } : record.onFailure;
      parts.push(h('h3', {}, 'What the provider does next'), h('dl', {}, ...Object.entries(next).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
    }
  }
  if (record.native !== undefined) parts.push(h('h3', {}, `Native ${record.provider} event and result`), h('pre', { 'aria-label': 'Native event and result' }, pretty(record.native)));
  result.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
}
