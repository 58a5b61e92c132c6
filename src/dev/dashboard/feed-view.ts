import type { InvocationRecord } from '../invoke.js';
import { field, pretty, type h as H } from './dom.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const MAX_SHOWN = 300;

interface LogLine {
  level: string;
  message: string;
  time: number;
  fields: Record<string, unknown>;
}

/** The live feed: every invocation (from the page, curl or anything else), newest first, with filters. */
export function feedView(h: typeof H): { element: HTMLElement; add(record: InvocationRecord): void; addLog(entry: LogLine): void; setFunctions(names: string[]): void } {
  const fnFilter = h('select', { name: 'feedFunction' }, h('option', { value: '' }, 'all functions'));
  const levelFilter = h('select', { name: 'feedLevel' }, ...LEVELS.map((l) => h('option', { value: l }, `${l} and above`)));
  levelFilter.value = 'debug';
  const list = h('ol', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Invocations' });
  const items: Array<{ fn: string; worst: number; el: HTMLElement; logs: HTMLElement[] }> = [];

  function apply(item: (typeof items)[number]): void {
    const min = RANK[levelFilter.value] ?? 0;
    item.el.hidden = (fnFilter.value !== '' && item.fn !== fnFilter.value) || item.worst < min;
    for (const line of item.logs) line.hidden = (RANK[line.dataset['level'] ?? 'info'] ?? 1) < min;
  }
  fnFilter.addEventListener('change', () => items.forEach(apply));
  levelFilter.addEventListener('change', () => items.forEach(apply));

  function logLine(entry: LogLine): HTMLElement {
    const { error, ...rest } = entry.fields as { error?: { name?: string; message?: string; stack?: string } } & Record<string, unknown>;
    const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    const el = h('div', { class: `log log-${entry.level}`, 'data-level': entry.level }, `${entry.level.toUpperCase()} ${entry.message}${fields}`);
    // Locally only: the thrown error with its stack, as the function's own logs carry it.
    if (error && typeof error === 'object') el.append(h('pre', {}, error.stack ?? `${error.name ?? 'Error'}: ${error.message ?? ''}`));
    return el;
  }

  function push(item: (typeof items)[number]): void {
    items.unshift(item);
    list.prepend(item.el);
    apply(item);
    while (items.length > MAX_SHOWN) items.pop()?.el.remove();
  }

  return {
    element: h('section', { id: 'feed', 'aria-labelledby': 'feed-title' }, h('h2', { id: 'feed-title' }, 'Live invocations'), h('div', { class: 'row' }, field('Function', fnFilter), field('Level', levelFilter)), list),
    setFunctions(names) {
      const chosen = fnFilter.value;
      fnFilter.replaceChildren(h('option', { value: '' }, 'all functions'), ...names.map((n) => h('option', { value: n }, n)));
      fnFilter.value = names.includes(chosen) ? chosen : '';
    },
    add(record) {
      const failed = record.failed?.length ?? 0;
      const outcome = record.status !== undefined ? `HTTP ${record.status}` : failed ? `${failed} of ${record.outcomes?.length ?? 0} failed` : `${record.outcomes?.length ?? 0} ok`;
      const bad = (record.status ?? 0) >= 500 || failed > 0;
      const logs = record.logs.map((l) => logLine(l as LogLine));
      const worst = Math.max(bad ? 3 : (record.status ?? 0) >= 400 ? 2 : 0, ...record.logs.map((l) => RANK[l.level] ?? 0));
      const trigger = record.request ? `${record.request.method} ${record.request.path}` : record.kind;
      const el = h(
        'li',
        { 'data-function': record.function },
        h('div', {}, h('strong', {}, record.function), ' ', h('span', { class: bad ? 'status-bad' : (record.status ?? 0) >= 400 ? 'status-warn' : 'status-ok' }, outcome), ` · ${record.durationMs} ms`),
        h('div', { class: 'meta' }, `${new Date(record.time).toLocaleTimeString()} · ${trigger} · via ${record.via}${record.provider === 'local' ? '' : ` · as ${record.provider}`}`),
        failed ? h('div', { class: 'log log-error' }, `failed: ${(record.failed ?? []).join(', ')}`) : null,
        ...logs,
        record.native !== undefined ? h('details', {}, h('summary', {}, `native ${record.provider} event`), h('pre', {}, pretty(record.native))) : null,
      );
      push({ fn: record.function, worst, el, logs });
    },
    addLog(entry) {
      const fn = typeof entry.fields['function'] === 'string' ? entry.fields['function'] : '';
      const line = logLine(entry);
      push({ fn, worst: RANK[entry.level] ?? 1, el: h('li', { 'data-function': fn }, h('div', { class: 'meta' }, `${new Date(entry.time).toLocaleTimeString()} · ${fn || 'dev server'}`), line), logs: [line] });
    },
  };
}
