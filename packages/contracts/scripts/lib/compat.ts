// Compatibility of published event schemas: compares the committed snapshot (old) with the schemas the
// code produces now (new). A consumer written against the old schema must keep working, so removing or
// retyping anything, or demanding something new, is breaking; adding optional things is not.
import { isDeepStrictEqual } from 'node:util';
import type { JsonSchema } from './artifacts.ts';

export interface Finding {
  type: string;
  /** Dotted path inside the envelope, e.g. `data.amount`; '' for the type itself. */
  path: string;
  message: string;
}

export interface CompatReport {
  breaking: Finding[];
  additive: Finding[];
}

// Keywords that document a schema without constraining it.
const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', '$id', '$schema', 'default', 'deprecated']);
// Keywords handled explicitly below.
const HANDLED = new Set(['type', 'enum', 'properties', 'required', 'items', 'anyOf', 'oneOf']);

export function compareSnapshots(oldSchemas: Record<string, JsonSchema>, newSchemas: Record<string, JsonSchema>): CompatReport {
  const report: CompatReport = { breaking: [], additive: [] };
  for (const type of Object.keys(oldSchemas).sort()) {
    const next = newSchemas[type];
    if (next === undefined) {
      report.breaking.push({ type, path: '', message: 'event type removed (publish a new major version instead)' });
      continue;
    }
    compareSchema(oldSchemas[type]!, next, '', (kind, path, message) => report[kind].push({ type, path, message }));
  }
  for (const type of Object.keys(newSchemas).sort()) {
    if (!(type in oldSchemas)) report.additive.push({ type, path: '', message: 'new event type' });
  }
  return report;
}

type Report = (kind: 'breaking' | 'additive', path: string, message: string) => void;

function typesOf(s: JsonSchema): string[] | undefined {
  const t = s.type;
  if (t === undefined) return undefined;
  return (Array.isArray(t) ? t : [t]).map(String).sort();
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isBreakingFree(oldS: JsonSchema, newS: JsonSchema): boolean {
  let ok = true;
  compareSchema(oldS, newS, '', (kind) => {
    if (kind === 'breaking') ok = false;
  });
  return ok;
}

export function compareSchema(oldS: JsonSchema, newS: JsonSchema, path: string, report: Report): void {
  if (isDeepStrictEqual(oldS, newS)) return;
  const where = path === '' ? '(envelope)' : path;

  // Unions: every old alternative must still be accepted by some new alternative.
  const oldAlts = (oldS.anyOf ?? oldS.oneOf) as JsonSchema[] | undefined;
  const newAlts = (newS.anyOf ?? newS.oneOf) as JsonSchema[] | undefined;
  if (oldAlts || newAlts) {
    const olds = oldAlts ?? [oldS];
    const news = newAlts ?? [newS];
    for (const o of olds) {
      if (!news.some((n) => isBreakingFree(o, n))) {
        report('breaking', path, `${where}: type changed (alternative ${JSON.stringify(typesOf(o) ?? o)} no longer accepted)`);
      }
    }
    if (news.length > olds.length) report('additive', path, `${where}: new alternative type`);
    return;
  }

  const oldTypes = typesOf(oldS);
  const newTypes = typesOf(newS);
  if (!isDeepStrictEqual(oldTypes, newTypes)) {
    report('breaking', path, `${where}: type changed from ${oldTypes?.join('|') ?? 'any'} to ${newTypes?.join('|') ?? 'any'}`);
    return;
  }

  if (Array.isArray(oldS.enum) || Array.isArray(newS.enum)) {
    const oldValues = (oldS.enum as unknown[] | undefined) ?? [];
    const newValues = (newS.enum as unknown[] | undefined) ?? [];
    if (!Array.isArray(oldS.enum)) report('breaking', path, `${where}: now restricted to an enum`);
    for (const v of oldValues) if (!newValues.includes(v)) report('breaking', path, `${where}: enum value ${JSON.stringify(v)} removed`);
    for (const v of newValues) if (Array.isArray(oldS.enum) && !oldValues.includes(v)) report('additive', path, `${where}: enum value ${JSON.stringify(v)} added`);
  }

  // Objects: properties and required.
  const oldProps = (oldS.properties ?? {}) as Record<string, JsonSchema>;
  const newProps = (newS.properties ?? {}) as Record<string, JsonSchema>;
  const oldReq = new Set((oldS.required ?? []) as string[]);
  const newReq = new Set((newS.required ?? []) as string[]);
  for (const [name, oldProp] of Object.entries(oldProps)) {
    const p = join(path, name);
    const newProp = newProps[name];
    if (newProp === undefined) {
      report('breaking', p, `${p}: property removed`);
      continue;
    }
    if (!oldReq.has(name) && newReq.has(name)) report('breaking', p, `${p}: property became required`);
    if (oldReq.has(name) && !newReq.has(name)) report('breaking', p, `${p}: property became optional (consumers rely on it)`);
    compareSchema(oldProp, newProp, p, report);
  }
  for (const name of Object.keys(newProps)) {
    if (name in oldProps) continue;
    const p = join(path, name);
    if (newReq.has(name)) report('breaking', p, `${p}: new required property`);
    else report('additive', p, `${p}: new optional property`);
  }

  if (oldS.items !== undefined || newS.items !== undefined) {
    compareSchema((oldS.items ?? {}) as JsonSchema, (newS.items ?? {}) as JsonSchema, `${path}[]`, report);
  }

  // Any other constraint (format, pattern, const, bounds, additionalProperties...) that changed.
  const keys = new Set([...Object.keys(oldS), ...Object.keys(newS)]);
  for (const key of [...keys].sort()) {
    if (ANNOTATIONS.has(key) || HANDLED.has(key)) continue;
    if (!isDeepStrictEqual(oldS[key], newS[key])) {
      report('breaking', path, `${where}: ${key} changed from ${JSON.stringify(oldS[key])} to ${JSON.stringify(newS[key])}`);
    }
  }
}

export function formatFinding(f: Finding): string {
  return `${f.type}: ${f.message}`;
}
