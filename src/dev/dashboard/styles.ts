/** The page's styles, added as one <style> element (allowed by the page's CSP for styles only). */
export const STYLES = `
:root { color-scheme: light dark; --bg: #f7f7f8; --panel: #fff; --line: #d5d7dc; --text: #1d1f24; --muted: #5c6270; --accent: #0b57d0; --ok: #137333; --bad: #b3261e; --warn: #8a5a00; }
@media (prefers-color-scheme: dark) { :root { --bg: #15171b; --panel: #1e2127; --line: #3a3f48; --text: #e6e8eb; --muted: #a4abb8; --accent: #8ab4f8; --ok: #81c995; --bad: #f28b82; --warn: #fdd663; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 1.1rem; margin: 0; }
header .entry { color: var(--muted); font-family: ui-monospace, monospace; }
#status { margin-left: auto; }
#status.ok { color: var(--ok); } #status.bad { color: var(--bad); font-weight: 600; }
main { display: grid; grid-template-columns: minmax(12rem, 16rem) minmax(22rem, 1fr) minmax(20rem, 28rem); gap: 1rem; padding: 1rem; align-items: start; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } }
section, nav { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem; min-width: 0; }
h2 { font-size: 1rem; margin: 0 0 .6rem; } h3 { font-size: .95rem; margin: 1rem 0 .4rem; }
nav ul { list-style: none; margin: 0; padding: 0; display: grid; gap: .3rem; }
nav button { width: 100%; text-align: left; background: none; border: 1px solid transparent; border-radius: 6px; padding: .4rem .5rem; color: inherit; font: inherit; cursor: pointer; }
nav button[aria-current="true"] { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 10%, transparent); }
nav button small { display: block; color: var(--muted); }
.field { display: grid; gap: .2rem; margin: .5rem 0; }
.row { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; } .row .field { flex: 1 1 8rem; }
label { font-weight: 600; font-size: .85rem; }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .5rem; width: 100%; }
input[type="checkbox"] { width: auto; margin-right: .4rem; }
textarea { font-family: ui-monospace, monospace; min-height: 5rem; resize: vertical; }
button.primary, button.secondary { border-radius: 6px; padding: .4rem .9rem; cursor: pointer; border: 1px solid var(--accent); }
button.primary { background: var(--accent); color: var(--panel); font-weight: 600; } button.secondary { background: none; color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.hint { color: var(--muted); font-weight: normal; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; } dt { color: var(--muted); } dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; white-space: pre-line; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem; overflow: auto; max-height: 22rem; margin: .3rem 0; font-size: .82rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.status-ok { color: var(--ok); font-weight: 600; } .status-bad { color: var(--bad); font-weight: 600; } .status-warn { color: var(--warn); font-weight: 600; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
#feed ol { list-style: none; padding: 0; margin: .5rem 0 0; display: grid; gap: .4rem; max-height: 75vh; overflow: auto; }
#feed li { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .5rem; }
#feed li .meta { color: var(--muted); font-size: .8rem; }
.log { font-family: ui-monospace, monospace; font-size: .8rem; margin: .15rem 0; overflow-wrap: anywhere; }
.log-error { color: var(--bad); } .log pre { max-height: 8rem; } .log-warn { color: var(--warn); } .log-debug { color: var(--muted); }
.presets { display: flex; gap: .4rem; flex-wrap: wrap; margin: .3rem 0; }
.preset { display: inline-flex; border: 1px solid var(--line); border-radius: 999px; overflow: hidden; }
.preset button { border: 0; background: none; padding: .2rem .6rem; cursor: pointer; }
.issues li { font-family: ui-monospace, monospace; }
#resources { margin: 0 1rem 1rem; } #resources code { overflow-wrap: anywhere; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;
