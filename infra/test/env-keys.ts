// Finds the environment variable names a service reads: the keys of the zod objects exported by its
// src/config.ts (which extend the service kit's baseConfig). Importing the module gives exact answers
// (including which keys are required); when it cannot be imported, a text scan of the file is the fallback.
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export type EnvKeys = {
  /** every key the config objects declare */
  all: Set<string>;
  /** keys without a default that are not optional */
  required: Set<string>;
  /** default values that could be read (e.g. PORT) */
  defaults: Map<string, unknown>;
  /** 'import' when read from the module, 'scan' from the text */
  source: 'import' | 'scan';
};

type ZodLike = { shape: Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }> };

const isZodObject = (v: unknown): v is ZodLike =>
  typeof v === 'object' && v !== null && typeof (v as { shape?: unknown }).shape === 'object' &&
  typeof (v as { safeParse?: unknown }).safeParse === 'function';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

export async function envKeysOf(file: string): Promise<EnvKeys | null> {
  if (!existsSync(file)) return null;
  try {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const objects = Object.values(mod).filter(isZodObject);
    if (objects.length > 0) return fromSchemas(objects);
  } catch {
    // fall through to the text scan
  }
  return scanEnvKeys(readFileSync(file, 'utf8'));
}

function fromSchemas(objects: ZodLike[]): EnvKeys {
  const keys: EnvKeys = { all: new Set(), required: new Set(), defaults: new Map(), source: 'import' };
  for (const obj of objects) {
    for (const [key, schema] of Object.entries(obj.shape)) {
      if (!ENV_NAME.test(key)) continue;
      keys.all.add(key);
      const empty = schema.safeParse(undefined);
      if (!empty.success) keys.required.add(key);
      else if (empty.data !== undefined) keys.defaults.set(key, empty.data);
    }
  }
  return keys;
}

/** Text fallback: `KEY: z....` entries; a key is optional when its expression has .default/.optional/.catch. */
export function scanEnvKeys(source: string): EnvKeys {
  const keys: EnvKeys = { all: new Set(), required: new Set(), defaults: new Map(), source: 'scan' };
  const entry = /^\s*([A-Z][A-Z0-9_]*)\s*:\s*(z\b[\s\S]*?)(?=^\s*[A-Z][A-Z0-9_]*\s*:|^\s*[})])/gm;
  for (const m of source.matchAll(entry)) {
    const key = m[1]!;
    const expr = m[2]!;
    keys.all.add(key);
    const def = /\.default\(\s*([^)]*?)\s*\)/.exec(expr);
    if (def) {
      const raw = def[1]!;
      keys.defaults.set(key, /^\d+$/.test(raw) ? Number(raw) : raw.replace(/^['"`]|['"`]$/g, ''));
    } else if (!/\.(optional|nullish|catch)\(/.test(expr)) {
      keys.required.add(key);
    }
  }
  return keys;
}
