import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAsyncApi } from '../scripts/lib/artifacts.ts';
import { eventRegistry, topics } from '../src/index.ts';

const doc = buildAsyncApi('0.0.0') as {
  asyncapi: string;
  channels: Record<string, { address: string; messages?: Record<string, unknown> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: Array<{ $ref: string }> }>;
  components: { messages: Record<string, unknown> };
};

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0 with a channel per topic addressed by its name', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.channels).sort()).toEqual(topics.map((t) => t.name).sort());
    for (const [id, channel] of Object.entries(doc.channels)) expect(channel.address).toBe(id);
  });

  it('has a message per event type, on the channel of its topic', () => {
    for (const [type, def] of eventRegistry) {
      expect(doc.components.messages[type]).toBeDefined();
      expect(doc.channels[def.topic]!.messages).toHaveProperty([type]);
    }
  });

  it('has only send operations, one per producing service and topic, covering every message', () => {
    const sent = new Set<string>();
    for (const op of Object.values(doc.operations)) {
      expect(op.action).toBe('send');
      for (const m of op.messages) sent.add(m.$ref.split('/').at(-1)!);
    }
    for (const type of eventRegistry.keys()) expect(sent).toContain(type);
    expect(Object.keys(doc.operations)).toContain('customer.send.crm.customer');
  });

  it('resolves every internal $ref and every schema file it points to', () => {
    for (const ref of refs(doc)) {
      if (ref.startsWith('#/')) expect(resolve(ref), ref).toBeDefined();
      else expect(existsSync(new URL(`../generated/${ref}`, import.meta.url)), ref).toBe(true);
    }
  });
});
