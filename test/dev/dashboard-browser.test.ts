import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, startOn, type Started } from './helpers.js';

// The system's Chromium (Debian's `chromium` package, installed by scripts/setup.sh). When it is
// missing the test fails, never skips: CI must not pass without having driven the page.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const repo = new URL('../../', import.meta.url).pathname;
const hello = readFileSync(join(repo, 'examples/hello/index.ts'), 'utf8');

const WORKER = `
import { defineQueue } from 'onefn';
export const orders = defineQueue({ queue: 'orders', handler: (msg) => { if ((msg.body as { fail?: boolean }).fail) throw new Error('rejected order'); } });
`;

// The machine runs other test files beside this one: give the page time, never a fixed sleep.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 50 });

describe('the dashboard in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let s: Started;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run bash scripts/setup.sh (apt-get install chromium), or set CHROMIUM_PATH`);
    s = await startOn(`${hello}\n${WORKER}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${s.dev.url}/_onefn`);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it("shows the example module's functions", async () => {
    const nav = page.getByRole('navigation', { name: 'Functions' });
    await poll(() => nav.getByRole('button').allInnerTexts()).toEqual([expect.stringContaining('postHello'), expect.stringContaining('sayHello'), expect.stringContaining('orders')]);
    await poll(() => nav.getByRole('button', { name: /postHello/ }).innerText()).toContain('POST /hello');
  });

  it('sends an HTTP request whose body fails its schema and shows the 400 with the issue path', async () => {
    await page.getByRole('button', { name: /postHello/ }).click();
    await page.getByLabel('Body', { exact: true }).fill('{"name": ""}');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const result = page.locator('#result');
    await poll(() => result.innerText()).toContain('HTTP 400');
    await poll(() => result.getByRole('list', { name: 'Validation issues' }).innerText()).toMatch(/^body\.name: /);
    // The live feed shows the same invocation, and nothing the page itself asked for (a favicon, say).
    await poll(() => page.getByRole('log', { name: 'Invocations' }).innerText()).toContain('HTTP 400');
    expect(await page.getByRole('log', { name: 'Invocations' }).innerText()).not.toContain('favicon');
  });

  it('sends a batch of three queue messages as AWS, and shows exactly the failing one in batchItemFailures', async () => {
    await page.getByRole('button', { name: /orders/ }).click();
    await page.getByLabel('Send through', { exact: true }).selectOption('aws');
    await page.getByLabel('Messages', { exact: true }).fill('{"n": 1}\n{"n": 2, "fail": true}\n{"n": 3}');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const native = page.getByLabel('Native event and result');
    await poll(() => native.innerText()).toContain('batchItemFailures');
    const shown = JSON.parse(await native.innerText()) as Array<{ event: { Records: Array<{ messageId: string }> }; result: { batchItemFailures: Array<{ itemIdentifier: string }> } }>;
    const ids = shown[0]?.event.Records.map((r) => r.messageId) ?? [];
    expect(ids).toHaveLength(3);
    expect(shown[0]?.result.batchItemFailures).toEqual([{ itemIdentifier: ids[1] }]);
    const rows = await page.getByRole('table', { name: 'Outcomes' }).locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').slice(0, 2))).toEqual([[ids[0], 'ok'], [ids[1], 'failed'], [ids[2], 'ok']]);
    await poll(() => page.locator('#result').innerText()).toContain('What the provider does next');
  });

  it('sends to a queue from the Resources panel and watches the consumer run', async () => {
    const panel = page.getByRole('region', { name: 'Resources' });
    await poll(() => panel.getByLabel('Send to', { exact: true }).locator('option').allInnerTexts()).toContain('queue orders');
    await panel.getByLabel('Send to', { exact: true }).selectOption('queues:orders');
    await panel.getByLabel('Message body (JSON)', { exact: true }).fill('{"n": 7}');
    await panel.getByRole('button', { name: 'Send message' }).click();
    // The local queue delivers it to the module's consumer: the feed shows the run, the panel its status.
    const feedLog = page.getByRole('log', { name: 'Invocations' });
    await poll(() => feedLog.innerText()).toContain('via resource');
    const table = panel.getByRole('table', { name: 'Messages of queue orders' });
    await poll(() => table.locator('tbody tr').first().innerText()).toMatch(/delivered\s+1\s+orders\s+\{"n":7\}/);
    // One that fails every attempt is reported failed, and can be redelivered from the panel.
    await panel.getByLabel('Message body (JSON)', { exact: true }).fill('{"fail": true}');
    await panel.getByRole('button', { name: 'Send message' }).click();
    await poll(() => table.locator('tbody tr').first().innerText()).toMatch(/failed rejected order\s+3\s+orders/);
    await table.getByRole('button', { name: /^Redeliver / }).click();
    await poll(() => table.locator('tbody tr').first().innerText()).toMatch(/failed rejected order\s+6\s+orders/);
  });

  it('saves a preset that outlives a page reload', async () => {
    await page.getByLabel('Preset name', { exact: true }).fill('three orders');
    await page.getByRole('button', { name: 'Save preset' }).click();
    await poll(async () => `${await page.getByRole('button', { name: 'Send preset three orders' }).count()} ${await page.locator('#result').innerText()}`).toMatch(/^1 /);
    const saved = (await (await fetch(`${s.dev.url}${API}/presets`)).json()) as { presets: Array<{ name: string; provider: string }> };
    expect(saved.presets).toMatchObject([{ name: 'three orders', provider: 'aws' }]);
  });

  it('reflects an edit of the module on disk, keeping what was typed', async () => {
    await page.getByLabel('Messages', { exact: true }).fill('{"kept": true}');
    writeFileSync(s.entry, `${hello}\n${WORKER}\nexport const refunds = defineQueue({ queue: 'refunds', handler: () => {} });`);
    await s.dev.reload();
    const nav = page.getByRole('navigation', { name: 'Functions' });
    await poll(() => nav.getByRole('button').allInnerTexts()).toContainEqual(expect.stringContaining('refunds'));
    await poll(() => page.getByRole('status').innerText()).toMatch(/Reloaded at .* \(version 2\)/);
    expect(await page.getByLabel('Messages', { exact: true }).inputValue()).toBe('{"kept": true}');
    writeFileSync(s.entry, 'export const broken = ;');
    await s.dev.reload();
    await poll(() => page.getByRole('status').innerText()).toMatch(/Build failed, still serving the previous version: build failed/);
  });

  it('is usable from the keyboard: every control has a name, and focus is visible', async () => {
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')].filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.textContent?.trim();
        return !labelled;
      }).length,
    );
    expect(unnamed).toBe(0);
    // Focus moved by the keyboard, as :focus-visible requires.
    await page.getByRole('button', { name: /sayHello/ }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('sayHello');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
  });

  it('keeps a screenshot of the main view for the README', async () => {
    writeFileSync(s.entry, `${hello}\n${WORKER}`);
    await s.dev.reload();
    await page.getByRole('button', { name: /postHello/ }).click();
    await page.getByLabel('Send through', { exact: true }).selectOption('local');
    await page.getByLabel('Body', { exact: true }).fill('{"name": "Ada"}');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await poll(() => page.locator('#result').innerText()).toContain('HTTP 200');
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.byteLength).toBeGreaterThan(10_000);
    // The README's copy is replaced only when asked (UPDATE_SCREENSHOTS=1) or missing: a picture that
    // differs by its clock on every run would make every test run a change to commit.
    const docs = join(repo, 'docs/dashboard.png');
    if (process.env['UPDATE_SCREENSHOTS'] === '1' || !existsSync(docs)) {
      mkdirSync(join(repo, 'docs'), { recursive: true });
      writeFileSync(docs, png);
    }
  });
});
