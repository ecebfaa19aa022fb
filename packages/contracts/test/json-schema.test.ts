// The published JSON Schemas must agree with the zod schemas: an integrator validating with them (ajv,
// draft 2020-12) accepts what we publish and rejects what parseEvent rejects.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { eventRegistry } from '../src/index.ts';
import { sampleData, sampleEnvelope } from './fixtures.ts';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

function validatorFor(type: string) {
  const cached = ajv.getSchema(`${type}.json`); // schemas carry $id <type>.json
  if (cached) return cached;
  const schema = JSON.parse(readFileSync(new URL(`../generated/schemas/${type}.json`, import.meta.url), 'utf8'));
  return ajv.compile(schema);
}

describe('generated JSON Schemas', () => {
  it.each([...eventRegistry.keys()])('%s accepts the sample event', (type) => {
    const validate = validatorFor(type);
    expect(validate(sampleEnvelope(type)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reject what the zod schemas reject', () => {
    const type = 'crm.purchase.recorded.v1';
    const validate = validatorFor(type);
    const good = sampleData[type] as Record<string, unknown>;
    for (const patch of [{ amount: 12.5 }, { currency: 'eur' }, { customerId: 'cus_1' }, { occurredAt: '2025-13-01T00:00:00Z' }, { channel: 'fax' }]) {
      expect(validate(sampleEnvelope(type, { ...good, ...patch })), JSON.stringify(patch)).toBe(false);
    }
    expect(validate({ ...sampleEnvelope(type), specversion: '0.3' })).toBe(false);
    expect(validate({ ...sampleEnvelope(type), type: 'crm.purchase.refunded.v1' })).toBe(false);
  });

  it('stay open to additional properties, so an additive change does not break old validators', () => {
    const type = 'crm.customer.tagged.v1';
    const data = { ...(sampleData[type] as object), addedLater: 1 };
    expect(validatorFor(type)(sampleEnvelope(type, data))).toBe(true);
  });
});
