/**
 * The onefn dev dashboard: lists the module's functions, sends them requests and events (through
 * the portable pipeline or a provider's adapter), and shows every invocation live. It talks only to
 * the dev server's JSON API (/_onefn/api/v1), and renders text only (no innerHTML).
 */
import type { FunctionInfo, TriggerInfo } from '../describe.js';
import type { InvocationRecord } from '../invoke.js';
import type { Preset } from '../presets.js';
import { field, h, pretty } from './dom.js';
import { feedView } from './feed-view.js';
import { nextTimes, sendForm, type SendForm } from './forms.js';
import { showAnswer, showProblem, type InvokeAnswer, type Problem } from './result-view.js';
import { resourcesView } from './resources-view.js';
import { STYLES } from './styles.js';

const API = '/_onefn/api/v1';
const token = document.querySelector<HTMLMetaElement>('meta[name="onefn-token"]')?.content;
const STORE = 'onefn-dashboard';

interface FunctionsAnswer {
  entry: string;
  generation: number;
  reloadedAt: string;
  reloadError: string | null;
  providers: string[];
  defaultProvider: string;
  functions: FunctionInfo[];
}


/** What survives a reload of the module, and of the page: the selection and every form's values. */
interface SavedState {
  selected?: { fn: string; index: number };
  provider?: string;
  drafts: Record<string, Record<string, string>>;
}

function loadState(): SavedState {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Partial<SavedState>;
    return { ...parsed, drafts: parsed.drafts ?? {} };
  } catch {
    return { drafts: {} };
  }
}
const state = loadState();
const saveState = (): void => sessionStorage.setItem(STORE, JSON.stringify(state));

async function api<T>(path: string, init: RequestInit = {}): Promise<{ ok: boolean; status: number; body: T | Problem }> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(`${API}${path}`, { ...init, headers });
  const text = await res.text();
  const body = (text ? JSON.parse(text) : {}) as T | Problem;
  return { ok: res.ok, status: res.status, body };
}

// ---------------------------------------------------------------------------------------------------
// Layout

const style = h('style', {}, STYLES);
const status = h('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
const providerSelect = h('select', { name: 'provider' });
const entryLabel = h('span', { class: 'entry' });
const list = h('ul', {});
const detail = h('section', { id: 'detail', 'aria-labelledby': 'detail-title' });
const feed = feedView(h);
const resources = resourcesView(API, token);

document.head.append(style);
document.body.append(
  h('header', {}, h('h1', {}, 'onefn dev'), entryLabel, status, field('Send through', providerSelect, 'local: the portable pipeline; a provider: its adapter, on its native event')),
  h('main', {}, h('nav', { 'aria-label': 'Functions' }, h('h2', {}, 'Functions'), list), detail, feed.element),
  resources.element,
);
providerSelect.addEventListener('change', () => {
  state.provider = providerSelect.value;
  saveState();
});

let functions: FunctionInfo[] = [];
let presets: Preset[] = [];
let form: SendForm | undefined;

function summary(t: TriggerInfo): string {
  switch (t.kind) {
    case 'http':
      return `${t.methods === 'ANY' ? 'ANY' : t.methods.join(',')} ${t.route ?? '/*'}`;
    case 'message':
      return `${t.type} ${t.name}${t.ordered ? ' (ordered)' : ''}`;
    case 'storage':
      return `bucket ${t.bucket}: ${t.changes.join(', ')}`;
    case 'schedule':
      return `schedule ${t.expression}`;
    case 'cloudevent':
      return `CloudEvents ${t.types.join(', ') || 'any type'}`;
  }
}

function renderList(): void {
  list.replaceChildren(
    ...functions.flatMap((fn) =>
      fn.triggers.map((t, index) => {
        const current = state.selected?.fn === fn.name && state.selected.index === index;
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              'aria-current': current ? 'true' : 'false',
              onclick: () => {
                keepDraft();
                state.selected = { fn: fn.name, index };
                saveState();
                renderList();
                renderDetail();
              },
            },
            t.export,
            h('small', {}, `${fn.name} · ${summary(t)}`),
          ),
        );
      }),
    ),
  );
}

function triggerFacts(t: TriggerInfo): Array<[string, string]> {
  switch (t.kind) {
    case 'http':
      return [['methods', t.methods === 'ANY' ? 'ANY' : t.methods.join(', ')], ['route', t.route ?? '/*'], ['route params', t.params.join(', ') || 'none'], ['public', String(t.public)], ['CORS', String(t.cors)]];
    case 'message':
      return [[t.type, t.name], ['ordered', String(t.ordered)]];
    case 'storage':
      return [['bucket', t.bucket], ['changes', t.changes.join(', ')], ['prefix', t.prefix ?? '-'], ['suffix', t.suffix ?? '-']];
    case 'schedule':
      return [['schedule', t.expression], ['cron', t.cron], ['time zone', t.timeZone], ['next due', nextTimes(t.cron, t.timeZone).join('\n') || '-'], ['AWS', t.providers.aws], ['Google', t.providers.gcp], ['Azure', t.providers.azure]];
    case 'cloudevent':
      return [['types', t.types.join(', ') || 'any'], ['source', t.source ?? 'any']];
  }
}

function schemasOf(t: TriggerInfo): Record<string, unknown> | undefined {
  if (t.kind === 'http') return Object.keys(t.schemas).length ? t.schemas : undefined;
  if (t.kind === 'message' || t.kind === 'cloudevent') return t.schema === undefined ? undefined : { schema: t.schema ?? 'not expressible as JSON Schema' };
  return undefined;
}

function keepDraft(): void {
  if (form && state.selected) state.drafts[`${state.selected.fn}#${state.selected.index}`] = form.values();
}

const result = h('div', { id: 'result', 'aria-live': 'polite' });

function renderDetail(): void {
  const fn = functions.find((f) => f.name === state.selected?.fn);
  if (!fn) {
    form = undefined;
    detail.replaceChildren(h('h2', { id: 'detail-title' }, 'Choose a function'), h('p', {}, 'Every definition the module exports is listed on the left.'));
    return;
  }
  const index = Math.min(state.selected?.index ?? 0, fn.triggers.length - 1);
  const trigger = fn.triggers[index] as FunctionInfo['triggers'][number];
  const draftKey = `${fn.name}#${index}`;
  form = sendForm(fn, index, state.drafts[draftKey] ?? {});
  const settings: Array<[string, string]> = [
    ['function', fn.name],
    ['memory', fn.settings.memory === null ? 'provider default' : `${fn.settings.memory} MB`],
    ['timeout', fn.settings.timeout === null ? '60 s locally' : `${fn.settings.timeout} s`],
    ['env', fn.settings.env.join(', ') || 'none'],
  ];
  if (fn.settings.public !== null) settings.push(['access', fn.settings.public ? 'public' : 'private (provider auth)']);
  // What it sends to: each declared queue, topic or bucket with the actions it may take there.
  if (fn.uses.length) settings.push(['uses', fn.uses.map((u) => `${u.kind} ${u.name} (${u.actions.join(', ')})`).join('; ')]);
  const schemas = schemasOf(trigger);
  const presetName = h('input', { type: 'text', name: 'presetName', autocomplete: 'off', placeholder: 'a name' });
  const mine = presets.filter((p) => p.function === fn.name);
  const sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const formEl = h(
    'form',
    { 'aria-label': `Send to ${trigger.export}` },
    form.element,
    h('div', { class: 'row' }, sendButton),
    h('h3', {}, 'Presets'),
    mine.length ? h('div', { class: 'presets' }, ...mine.map((p) => presetChip(p))) : h('p', { class: 'hint' }, 'None saved for this function.'),
    h('div', { class: 'row' }, field('Preset name', presetName), h('button', { type: 'button', class: 'secondary', onclick: () => void savePreset(fn, presetName.value) }, 'Save preset')),
  );
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    void send(fn, sendButton);
  });
  formEl.addEventListener('input', () => {
    keepDraft();
    saveState();
  });
  detail.replaceChildren(
    ...[
    h('h2', { id: 'detail-title' }, trigger.export),
    h('dl', {}, ...[...triggerFacts(trigger), ...settings].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    schemas ? h('details', {}, h('summary', {}, 'Schema (JSON Schema)'), h('pre', {}, pretty(schemas))) : null,
    h('h3', {}, 'Send'),
    formEl,
    h('h3', {}, 'Result'),
    result,
    ].filter((el): el is NonNullable<typeof el> => el !== null),
  );
}

function presetChip(p: Preset): HTMLElement {
  return h(
    'span',
    { class: 'preset' },
    h('button', { type: 'button', 'aria-label': `Send preset ${p.name}`, onclick: () => void runPreset(p) }, p.name),
    h('button', { type: 'button', 'aria-label': `Delete preset ${p.name}`, onclick: () => void deletePreset(p) }, '×'),
  );
}

async function invoke(fnName: string, input: unknown, provider: string): Promise<void> {
  const answer = await api<InvokeAnswer>('/invoke', { method: 'POST', body: JSON.stringify({ function: fnName, input, provider }) });
  if (!answer.ok) showProblem(result, answer.body as Problem);
  else showAnswer(result, answer.body as InvokeAnswer);
}

async function send(fn: FunctionInfo, button: HTMLButtonElement): Promise<void> {
  let input: unknown;
  try {
    input = form?.input();
  } catch (error) {
    result.replaceChildren(h('p', { class: 'status-bad', role: 'alert' }, (error as Error).message));
    return;
  }
  button.disabled = true;
  try {
    await invoke(fn.name, input, providerSelect.value);
  } catch (error) {
    result.replaceChildren(h('p', { class: 'status-bad', role: 'alert' }, `The dev server did not answer: ${(error as Error).message}`));
  } finally {
    button.disabled = false;
  }
}

async function loadPresets(): Promise<void> {
  const answer = await api<{ presets: Preset[] }>('/presets');
  presets = answer.ok ? (answer.body as { presets: Preset[] }).presets : [];
}

async function savePreset(fn: FunctionInfo, name: string): Promise<void> {
  let input: unknown;
  try {
    input = form?.input();
  } catch (error) {
    result.replaceChildren(h('p', { class: 'status-bad', role: 'alert' }, (error as Error).message));
    return;
  }
  const answer = await api(`/presets/${encodeURIComponent(name.trim())}`, { method: 'PUT', body: JSON.stringify({ function: fn.name, input, provider: providerSelect.value }) });
  if (!answer.ok) return showProblem(result, answer.body as Problem);
  keepDraft();
  await loadPresets();
  renderDetail();
}

async function runPreset(p: Preset): Promise<void> {
  await invoke(p.function, p.input, p.provider);
}

async function deletePreset(p: Preset): Promise<void> {
  await api(`/presets/${encodeURIComponent(p.name)}`, { method: 'DELETE' });
  keepDraft();
  await loadPresets();
  renderDetail();
}

function showReload(generation: number, at: string, error: string | null): void {
  status.className = error ? 'bad' : 'ok';
  status.textContent = error ? `Build failed, still serving the previous version: ${error}` : generation > 1 ? `Reloaded at ${new Date(at).toLocaleTimeString()} (version ${generation})` : `Loaded at ${new Date(at).toLocaleTimeString()}`;
}

async function loadFunctions(): Promise<void> {
  const answer = await api<FunctionsAnswer>('/functions');
  if (!answer.ok) {
    status.className = 'bad';
    status.textContent = (answer.body as Problem).detail ?? `The API answered ${answer.status}`;
    return;
  }
  const body = answer.body as FunctionsAnswer;
  keepDraft();
  functions = body.functions;
  entryLabel.textContent = body.entry;
  if (!providerSelect.options.length) {
    providerSelect.replaceChildren(...body.providers.map((p) => h('option', { value: p }, p)));
    providerSelect.value = state.provider && body.providers.includes(state.provider) ? state.provider : body.defaultProvider;
  }
  if (!functions.some((f) => f.name === state.selected?.fn)) state.selected = functions[0] ? { fn: functions[0].name, index: 0 } : undefined;
  showReload(body.generation, body.reloadedAt, body.reloadError);
  feed.setFunctions(functions.map((f) => f.name));
  renderList();
  renderDetail();
}

function connect(): void {
  const source = new EventSource(`${API}/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('invocation', (e) => {
    feed.add(JSON.parse((e as MessageEvent<string>).data) as InvocationRecord);
    resources.refresh();
  });
  source.addEventListener('log', (e) => feed.addLog(JSON.parse((e as MessageEvent<string>).data) as { level: string; message: string; time: number; fields: Record<string, unknown> }));
  source.addEventListener('reload', (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as { ok: boolean; generation: number; at: string; error?: string };
    if (data.ok) {
      void loadFunctions();
      resources.refresh();
    }
    else showReload(data.generation, data.at, data.error ?? 'unknown error');
  });
}

void (async () => {
  await Promise.all([loadFunctions(), loadPresets()]);
  renderDetail();
  resources.refresh();
  connect();
})();
