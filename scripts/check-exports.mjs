// Fails when a package.json "exports" (or "bin") entry points at a file that does not exist, for the
// core and every adapter. Run after the build.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['.', ...readdirSync('adapters').map((d) => join('adapters', d))].filter((d) => existsSync(join(d, 'package.json')));
const missing = [];
function walk(root, value, where) {
  if (typeof value === 'string') {
    if (value.includes('*')) return;
    if (!existsSync(join(root, value))) missing.push(`${root}/package.json ${where} -> ${value}`);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) walk(root, inner, `${where}.${key}`);
  }
}
for (const root of roots) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  walk(root, pkg.exports, 'exports');
  walk(root, pkg.bin, 'bin');
  for (const field of ['main', 'module', 'types']) if (pkg[field]) walk(root, pkg[field], field);
}
if (missing.length) {
  console.error(`Exports point at nothing:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`exports ok: ${roots.length} packages`);
