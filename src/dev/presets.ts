import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnefnError } from '../onefn/errors.js';

/** A saved request: which function, through which provider, with what portable input. */
export interface Preset {
  readonly name: string;
  readonly function: string;
  readonly provider: string;
  readonly input: unknown;
  readonly savedAt: string;
}

/** Letters, digits, space, `.`, `_` and `-`: a name that is safe in a URL path segment and a log line. */
export const PRESET_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/;
export const MAX_PRESETS = 500;
const FILE = 'presets.json';
const FORMAT = 1;

/** The presets file cannot be read as presets; the detail says why, and how to recover. */
export class PresetsFileError extends OnefnError {
  constructor(message: string) {
    super('PRESETS_FILE_INVALID', message);
    this.name = 'PresetsFileError';
  }
}

/** A new preset past the most that are kept (`MAX_PRESETS`). */
export class PresetLimitError extends OnefnError {
  constructor(message: string) {
    super('TOO_MANY_PRESETS', message);
    this.name = 'PresetLimitError';
  }
}

/**
 * Presets kept in `<stateDir>/presets.json` (`.onefn/` beside where `onefn dev` runs), so that they
 * outlive a restart. Writes go to a temporary file renamed over the old one, so a crash mid-write
 * never leaves half a file; they are serialized, so two saves never interleave.
 */
export class PresetStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get path(): string {
    return join(this.dir, FILE);
  }

  async list(): Promise<Preset[]> {
    return [...(await this.read()).values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  save(preset: Preset): Promise<{ created: boolean }> {
    return this.serialized(async () => {
      const all = await this.read();
      const created = !all.has(preset.name);
      if (created && all.size >= MAX_PRESETS) throw new PresetLimitError(`at most ${MAX_PRESETS} presets are kept; delete some first`);
      all.set(preset.name, preset);
      await this.write(all);
      return { created };
    });
  }

  remove(name: string): Promise<boolean> {
    return this.serialized(async () => {
      const all = await this.read();
      if (!all.delete(name)) return false;
      await this.write(all);
      return true;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Map<string, Preset>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new PresetsFileError(`cannot read ${FILE}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PresetsFileError(`${FILE} is not JSON; fix it or delete it to start afresh`);
    }
    const presets = (parsed as { presets?: unknown } | null)?.presets;
    if (typeof presets !== 'object' || presets === null || Array.isArray(presets)) throw new PresetsFileError(`${FILE} holds no "presets" object; fix it or delete it`);
    // A Map, not an object: a preset named "__proto__" or "constructor" is just a name.
    const out = new Map<string, Preset>();
    for (const [name, value] of Object.entries(presets)) {
      const p = value as Partial<Preset> | null;
      if (!PRESET_NAME.test(name) || typeof p !== 'object' || p === null || typeof p.function !== 'string' || typeof p.provider !== 'string') continue;
      out.set(name, { name, function: p.function, provider: p.provider, input: p.input, savedAt: typeof p.savedAt === 'string' ? p.savedAt : '' });
    }
    return out;
  }

  private async write(all: Map<string, Preset>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const presets: Record<string, Omit<Preset, 'name'>> = {};
    for (const [name, { name: _n, ...rest }] of [...all].sort(([a], [b]) => a.localeCompare(b))) {
      Object.defineProperty(presets, name, { value: rest, enumerable: true, configurable: true, writable: true });
    }
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ format: FORMAT, presets }, null, 2) + '\n');
    await rename(tmp, this.path);
  }
}
