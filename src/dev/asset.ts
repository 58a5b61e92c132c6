import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResponseData } from '../onefn/response.js';
import { DASHBOARD_BUILD } from './dashboard/build-options.js';


const here = dirname(fileURLToPath(import.meta.url));

/** The built script beside the package's dist files, found from wherever the bundler put this code. */
function builtScript(): string | undefined {
  for (let dir = here, i = 0; i < 3; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'dashboard', 'app.js');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let script: Promise<string | undefined> | undefined;

/** The dashboard's script: built from its sources when running from them, else read from dist. */
export function dashboardScript(): Promise<string | undefined> {
  script ??= (async () => {
    const source = join(here, 'dashboard', 'app.ts');
    if (import.meta.url.endsWith('.ts') && existsSync(source)) {
      const out = await build({ ...DASHBOARD_BUILD, entryPoints: [source], write: false, logLevel: 'silent' });
      return out.outputFiles[0]?.text;
    }
    const built = builtScript();
    return built === undefined ? undefined : readFile(built, 'utf8');
  })().catch((error: unknown) => {
    script = undefined;
    throw error;
  });
  return script;
}

const escapeAttr = (s: string): string => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: a shell the script fills. The token (when the server needs one) rides in a meta tag. */
export function dashboardPage(token: string | undefined): ResponseData {
  const meta = token === undefined ? '' : `<meta name="onefn-token" content="${escapeAttr(token)}">`;
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
${meta}
<title>onefn dev</title>
</head>
<body>
<noscript>The onefn dashboard needs JavaScript. Its API is at /_onefn/api/v1.</noscript>
<script type="module" src="/_onefn/app.js${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}"></script>
</body>
</html>`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Everything is served from here: no CDN, no inline script, no framing by another page.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
    cookies: [],
    body,
  };
}

export async function dashboardAsset(name: 'page' | 'script', token: string | undefined): Promise<ResponseData | undefined> {
  if (name === 'page') return dashboardPage(token);
  const code = await dashboardScript();
  if (code === undefined) return undefined;
  return { status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }, cookies: [], body: code };
}
