import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allTopicNames, dlqOf, eventRegistry, roles, topics, topicOf } from '../src/index.ts';

const PROFILE_TOPIC = 'crm.customer.profile';
// Field names that suggest raw personal data or free text (DESIGN.md: none of it in history topics).
const PERSONAL = ['name', 'email', 'phone', 'address', 'street', 'comment', 'text', 'body', 'summary', 'subject', 'description'];

/** Every property name in a JSON Schema, with its path. */
function propertyPaths(schema: unknown, path = ''): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) {
    const p = path ? `${path}.${name}` : name;
    out.push(p, ...propertyPaths(child, p));
  }
  if (s.items) out.push(...propertyPaths(s.items, `${path}[]`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const alt of (s[key] ?? []) as unknown[]) out.push(...propertyPaths(alt, path));
  }
  return out;
}

function personalFields(data: z.ZodType): string[] {
  return propertyPaths(z.toJSONSchema(data, { io: 'input' })).filter((p) => {
    const leaf = p.split('.').at(-1)!.replace('[]', '').toLowerCase();
    return PERSONAL.some((word) => leaf.includes(word));
  });
}

describe('event registry', () => {
  const defs = [...eventRegistry.values()];

  it('holds the events of every service', () => {
    const areas = new Set(defs.map((d) => d.topic));
    expect([...areas].sort()).toEqual(
      ['crm.analytics', 'crm.customer', 'crm.customer.profile', 'crm.interaction', 'crm.interaction.ingest', 'crm.loyalty', 'crm.marketing', 'crm.ticket'],
    );
    expect(defs.length).toBeGreaterThanOrEqual(50);
  });

  it.each(defs.map((d) => [d.type, d] as const))('%s: well-formed type on a declared topic', (type, def) => {
    expect(type).toMatch(/^crm\.[a-z_]+\.[a-z_.]+\.v\d+$/);
    expect(allTopicNames()).toContain(def.topic);
    expect(topicOf(type)).toBe(def.topic);
    expect(def.description.length).toBeGreaterThan(10);
  });

  it('puts no personal-data field on any topic but the profile topic', () => {
    const offenders = defs
      .filter((d) => d.topic !== PROFILE_TOPIC)
      .flatMap((d) => personalFields(d.data).map((p) => `${d.type}: ${p}`));
    expect(offenders).toEqual([]);
  });

  it('the detector does find personal data (on the profile event)', () => {
    const profile = eventRegistry.get('crm.customer.profile.v1')!;
    expect(profile.topic).toBe(PROFILE_TOPIC);
    expect(personalFields(profile.data)).toEqual(
      expect.arrayContaining(['displayName', 'emails', 'emails[].address', 'phones', 'postalAddresses']),
    );
  });

  it('has erasure confirmations from every service that holds customer data', () => {
    for (const area of ['interaction', 'ticket', 'marketing', 'analytics']) {
      expect(eventRegistry.get(`crm.${area}.erasure_confirmed.v1`)?.topic).toBe(`crm.${area}`);
    }
  });
});

describe('topics', () => {
  it('declares each main topic with its DLQ twin', () => {
    const main = topics.filter((t) => t.dlq !== null);
    expect(main.map((t) => t.name)).toContain('crm.customer');
    for (const t of main) {
      expect(t.dlq).toBe(dlqOf(t.name));
      expect(topics.find((d) => d.name === t.dlq)?.dlq).toBeNull();
    }
    expect(topics.length).toBe(main.length * 2);
    expect(new Set(allTopicNames()).size).toBe(topics.length);
    expect(allTopicNames().every((n) => n.startsWith('crm.'))).toBe(true);
  });

  it('compacts only the profile topic and keeps history forever (analytics replays it)', () => {
    expect(topics.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name)).toEqual([PROFILE_TOPIC]);
    for (const name of ['crm.customer', 'crm.interaction', 'crm.ticket', 'crm.marketing', 'crm.loyalty', 'crm.analytics']) {
      expect(topics.find((t) => t.name === name)?.retentionMs).toBe(-1);
    }
  });

  it('dlqOf works for test topics with a suffix too', () => {
    expect(dlqOf('crm.customer.t_abc')).toBe('crm.customer.t_abc.dlq');
  });
});

describe('roles', () => {
  it('are the five agreed roles', () => {
    expect(roles).toEqual(['admin', 'agent', 'marketer', 'analyst', 'integrator']);
  });
});
