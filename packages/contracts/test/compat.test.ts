import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareSnapshots, type Finding } from '../scripts/lib/compat.ts';
import { buildArtifacts, envelopeJsonSchema, type JsonSchema } from '../scripts/lib/artifacts.ts';
import { defineEvent, type EventDefinition } from '../src/define.ts';
import { readFileSync, readdirSync } from 'node:fs';

const T = 'crm.customer.sample.v1';

/** JSON Schema of an event whose data is `data`, as the generator would write it. */
function schemaOf(data: z.ZodObject): JsonSchema {
  const def = defineEvent({ type: T, topic: 'crm.customer', description: 'a sample event', data });
  return envelopeJsonSchema(T, new Map<string, EventDefinition>([[T, def as EventDefinition]]));
}

function compare(oldData: z.ZodObject, newData: z.ZodObject) {
  return compareSnapshots({ [T]: schemaOf(oldData) }, { [T]: schemaOf(newData) });
}

const messages = (fs: Finding[]) => fs.map((f) => f.message);

const base = z.object({
  customerId: z.string(),
  amount: z.string().regex(/^\d+(\.\d+)?$/),
  channel: z.enum(['email', 'sms']),
  note: z.number().optional(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int() })),
});

describe('compareSnapshots: compatible changes', () => {
  it('identical schemas: nothing to report', () => {
    expect(compare(base, base)).toEqual({ breaking: [], additive: [] });
  });

  it('a new optional property is additive', () => {
    const r = compare(base, base.extend({ campaignId: z.string().optional() }));
    expect(r.breaking).toEqual([]);
    expect(messages(r.additive)).toEqual(['data.campaignId: new optional property']);
  });

  it('a new enum value is additive', () => {
    const r = compare(base, base.extend({ channel: z.enum(['email', 'sms', 'push']) }));
    expect(r.breaking).toEqual([]);
    expect(messages(r.additive)).toEqual(['data.channel: enum value "push" added']);
  });

  it('a new optional property in array items is additive', () => {
    const r = compare(base, base.extend({ items: z.array(z.object({ sku: z.string(), qty: z.number().int(), unit: z.string().optional() })) }));
    expect(r.breaking).toEqual([]);
    expect(messages(r.additive)).toEqual(['data.items[].unit: new optional property']);
  });

  it('a new event type is additive; a changed description is not a finding', () => {
    const old = { [T]: schemaOf(base) };
    const next = { [T]: { ...schemaOf(base), description: 'reworded' }, 'crm.customer.other.v1': schemaOf(base) };
    const r = compareSnapshots(old, next);
    expect(r.breaking).toEqual([]);
    expect(r.additive).toEqual([{ type: 'crm.customer.other.v1', path: '', message: 'new event type' }]);
  });
});

describe('compareSnapshots: breaking changes', () => {
  const cases: Array<[string, z.ZodObject, string]> = [
    ['a property removed', base.omit({ note: true }), 'data.note: property removed'],
    ['a property retyped', base.extend({ note: z.string().optional() }), 'data.note: type changed from number to string'],
    ['a new required property', base.extend({ source: z.string() }), 'data.source: new required property'],
    ['an optional property made required', base.extend({ note: z.number() }), 'data.note: property became required'],
    ['a required property made optional', base.extend({ customerId: z.string().optional() }), 'data.customerId: property became optional (consumers rely on it)'],
    ['an enum value removed', base.extend({ channel: z.enum(['email']) }), 'data.channel: enum value "sms" removed'],
    ['a pattern changed', base.extend({ amount: z.string().regex(/^\d+$/) }), 'data.amount: pattern changed from "^\\\\d+(\\\\.\\\\d+)?$" to "^\\\\d+$"'],
    ['made nullable', base.extend({ customerId: z.string().nullable() }), 'data.customerId: type changed from string to null|string'],
    ['array item property retyped', base.extend({ items: z.array(z.object({ sku: z.string(), qty: z.string() })) }), 'data.items[].qty: type changed from integer to string'],
    ['integer widened to number', base.extend({ items: z.array(z.object({ sku: z.string(), qty: z.number() })) }), 'data.items[].qty: type changed from integer to number'],
  ];
  for (const [name, next, message] of cases) {
    it(`${name}`, () => {
      const r = compare(base, next);
      expect(messages(r.breaking)).toContain(message);
      expect(r.breaking.every((f) => f.type === T)).toBe(true);
    });
  }

  it('an event type removed', () => {
    const r = compareSnapshots({ [T]: schemaOf(base), 'crm.customer.gone.v1': schemaOf(base) }, { [T]: schemaOf(base) });
    expect(r.breaking).toEqual([
      { type: 'crm.customer.gone.v1', path: '', message: 'event type removed (publish a new major version instead)' },
    ]);
  });

  it('a nullable type losing null', () => {
    const r = compare(base.extend({ from: z.string().nullable() }), base.extend({ from: z.string() }));
    expect(messages(r.breaking)).toEqual(['data.from: type changed from null|string to string']);
  });

  it('a union losing an alternative', () => {
    const r = compare(base.extend({ v: z.union([z.string(), z.object({ a: z.number() })]) }), base.extend({ v: z.string() }));
    expect(r.breaking).toHaveLength(1);
    expect(r.breaking[0]!.path).toBe('data.v');
  });
});

describe('the committed snapshot', () => {
  it('matches what the code generates (run `pnpm contracts:generate` when this fails)', () => {
    const dir = new URL('../generated/schemas/', import.meta.url);
    const committed = Object.fromEntries(
      readdirSync(dir).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as JsonSchema]),
    );
    const current = buildArtifacts('test').schemas;
    expect(compareSnapshots(committed, current)).toEqual({ breaking: [], additive: [] });
  });
});
