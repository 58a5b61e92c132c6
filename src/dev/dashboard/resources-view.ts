import { field, h } from './dom.js';

// The Resources panel: the local queues, topics and buckets of `onefn dev`, what they hold, and
// sending, redelivering, uploading and downloading. It reads the API only; text only, no innerHTML.

interface Counted {
  name: string;
  pending: number;
  delivered: number;
  failed: number;
}
interface ResourcesAnswer {
  queues: Counted[];
  topics: Counted[];
  buckets: Array<{ name: string; objects: number }>;
}
interface MessageView {
  id: string;
  status: 'pending' | 'delivered' | 'failed';
  body: string;
  attempts: number;
  consumers: string[];
  error: string | null;
}
interface ObjectView {
  key: string;
  size: number;
  contentType: string | null;
}

const STATUS_CLASS: Record<string, string> = { delivered: 'status-ok', failed: 'status-bad', pending: 'status-warn' };

/** Encodes a key path segment by segment, so that "/" stays a separator the API reads back. */
const keyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

export function resourcesView(apiBase: string, token: string | undefined): { element: HTMLElement; refresh(): void } {
  const withToken = (path: string): string => `${apiBase}${path}${token ? `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : ''}`;
  const headers = (extra: Record<string, string> = {}): Headers => {
    const out = new Headers(extra);
    if (token) out.set('authorization', `Bearer ${token}`);
    return out;
  };
  async function call<T>(path: string, init: RequestInit = {}): Promise<{ ok: boolean; status: number; body: T & { detail?: string } }> {
    const res = await fetch(`${apiBase}${path}`, { ...init, headers: headers(init.headers as Record<string, string> | undefined) });
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { detail: text.slice(0, 200) };
    }
    return { ok: res.ok, status: res.status, body: body as T & { detail?: string } };
  }

  // A live region without role=status: the page's one status is the module's load and reload state.
  const note = h('p', { 'aria-live': 'polite', class: 'hint', id: 'resources-note' });
  const target = h('select', { name: 'resourceTarget' });
  const message = h('textarea', { name: 'resourceMessage', rows: 3 });
  message.value = '{}';
  const sendButton = h('button', { type: 'button', class: 'primary' }, 'Send message');
  const lists = h('div', {});
  const element = h(
    'section',
    { id: 'resources', 'aria-labelledby': 'resources-title' },
    h('h2', { id: 'resources-title' }, 'Resources'),
    h('p', { class: 'hint' }, 'Local queues, topics and buckets, kept in .onefn/resources until you delete that folder. A message or an object change runs the functions that consume it.'),
    h('div', { class: 'row' }, field('Send to', target), field('Message body (JSON)', message), sendButton),
    note,
    lists,
  );

  const say = (text: string, bad = false): void => {
    note.textContent = text;
    note.className = bad ? 'status-bad' : 'hint';
  };

  sendButton.addEventListener('click', () => {
    void (async () => {
      const [kind, name] = target.value.split(':');
      if (!kind || !name) return say('No queue or topic to send to yet', true);
      let body: unknown;
      try {
        body = JSON.parse(message.value) as unknown;
      } catch (error) {
        return say(`The message body is not JSON: ${(error as Error).message}`, true);
      }
      const answer = await call<{ id: string }>(`/resources/${kind}/${encodeURIComponent(name)}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body }) });
      say(answer.ok ? `Sent message ${answer.body.id} to ${name}` : `Not sent (${answer.status}): ${answer.body.detail ?? ''}`, !answer.ok);
      refresh();
    })();
  });

  function messageTable(kind: 'queues' | 'topics', name: string, messages: MessageView[]): HTMLElement {
    if (!messages.length) return h('p', { class: 'hint' }, 'No messages yet.');
    return h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, `Messages of ${kind === 'queues' ? 'queue' : 'topic'} ${name}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Id'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Attempts'), h('th', { scope: 'col' }, 'Consumers'), h('th', { scope: 'col' }, 'Body'), h('th', { scope: 'col' }, 'Action'))),
      h(
        'tbody',
        {},
        ...messages
          .slice()
          .reverse()
          .map((m) =>
            h(
              'tr',
              {},
              h('td', {}, m.id),
              h('td', { class: STATUS_CLASS[m.status] ?? '' }, m.status, m.error ? h('small', { class: 'hint' }, ` ${m.error}`) : null),
              h('td', {}, m.attempts),
              h('td', {}, m.consumers.join(', ') || '-'),
              h('td', {}, h('code', {}, m.body.length > 200 ? `${m.body.slice(0, 200)}...` : m.body)),
              h('td', {}, m.status === 'delivered' ? '' : h('button', { type: 'button', class: 'secondary', 'aria-label': `Redeliver ${m.id}`, onclick: () => void redeliver(kind, name, m.id) }, 'Redeliver')),
            ),
          ),
      ),
    );
  }

  async function redeliver(kind: 'queues' | 'topics', name: string, id: string): Promise<void> {
    const answer = await call(`/resources/${kind}/${encodeURIComponent(name)}/messages/${encodeURIComponent(id)}/redeliver`, { method: 'POST' });
    say(answer.ok ? `Redelivering ${id}` : `Not redelivered (${answer.status}): ${answer.body.detail ?? ''}`, !answer.ok);
    refresh();
  }

  function bucketView(name: string, objects: ObjectView[]): HTMLElement {
    const key = h('input', { name: `upload-key-${name}`, type: 'text', placeholder: 'folder/name.json' });
    const file = h('input', { name: `upload-file-${name}`, type: 'file' });
    const upload = h('button', { type: 'button', class: 'secondary' }, 'Upload');
    upload.addEventListener('click', () => {
      void (async () => {
        const chosen = file.files?.[0];
        if (!chosen) return say('Choose a file to upload', true);
        const name2 = key.value || chosen.name;
        const answer = await call(`/resources/buckets/${encodeURIComponent(name)}/objects/${keyPath(name2)}`, { method: 'PUT', headers: { 'content-type': chosen.type || 'application/octet-stream' }, body: chosen });
        say(answer.ok ? `Uploaded ${name2} to ${name}` : `Not uploaded (${answer.status}): ${answer.body.detail ?? ''}`, !answer.ok);
        refresh();
      })();
    });
    const table = objects.length
      ? h(
          'table',
          {},
          h('caption', { class: 'sr-only' }, `Objects of bucket ${name}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Download'))),
          h(
            'tbody',
            {},
            ...objects.map((o) =>
              h('tr', {}, h('td', {}, o.key), h('td', {}, `${o.size} B`), h('td', {}, o.contentType ?? '-'), h('td', {}, h('a', { href: withToken(`/resources/buckets/${encodeURIComponent(name)}/objects/${keyPath(o.key)}`), download: o.key.slice(o.key.lastIndexOf('/') + 1), 'aria-label': `Download ${o.key}` }, 'Download'))),
            ),
          ),
        )
      : h('p', { class: 'hint' }, 'No objects yet.');
    return h('div', {}, h('h3', {}, `Bucket ${name}`), table, h('div', { class: 'row' }, field(`Key in ${name}`, key, 'empty: the file name'), field(`File for ${name}`, file), upload));
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  async function load(): Promise<void> {
    const answer = await call<ResourcesAnswer>('/resources');
    if (!answer.ok) return say(`Resources unavailable (${answer.status}): ${answer.body.detail ?? ''}`, true);
    const { queues, topics, buckets } = answer.body;
    const chosen = target.value;
    target.replaceChildren(...queues.map((q) => h('option', { value: `queues:${q.name}` }, `queue ${q.name}`)), ...topics.map((t) => h('option', { value: `topics:${t.name}` }, `topic ${t.name}`)));
    if ([...target.options].some((o) => o.value === chosen)) target.value = chosen;
    const parts: HTMLElement[] = [];
    for (const [kind, list] of [['queues', queues], ['topics', topics]] as const) {
      for (const r of list) {
        const detail = await call<{ messages: MessageView[] }>(`/resources/${kind}/${encodeURIComponent(r.name)}`);
        const title = `${kind === 'queues' ? 'Queue' : 'Topic'} ${r.name}: ${r.pending} pending, ${r.delivered} delivered, ${r.failed} failed`;
        parts.push(h('div', { 'data-resource': `${kind}:${r.name}` }, h('h3', {}, title), messageTable(kind, r.name, detail.ok ? detail.body.messages : [])));
      }
    }
    for (const b of buckets) {
      const detail = await call<{ objects: ObjectView[] }>(`/resources/buckets/${encodeURIComponent(b.name)}`);
      parts.push(bucketView(b.name, detail.ok ? detail.body.objects : []));
    }
    // Keeps whatever control has focus when nothing changed there: a refresh replaces only the lists.
    lists.replaceChildren(...(parts.length ? parts : [h('p', { class: 'hint' }, 'No queues, topics or buckets yet.')]));
  }

  /** Reloads soon; many invocations in a row make one reload. */
  function refresh(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void load().catch((error: unknown) => say(`Resources unavailable: ${(error as Error).message}`, true)), 150);
  }

  return { element, refresh };
}
