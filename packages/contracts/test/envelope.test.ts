import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  cloudEventSchema, createEvent, customerRegistered, eventRegistry, EventParseError, newId, parseEvent, purchaseRecorded,
  surveyAnswered, recordPurchaseCommand, isEvent,
} from '../src/index.ts';
import { ids, sampleData, sampleEnvelope } from './fixtures.ts';

describe('parseEvent', () => {
  it('has sample data for every registered type, and accepts each sample', () => {
    expect(Object.keys(sampleData).sort()).toEqual([...eventRegistry.keys()].sort());
    for (const type of eventRegistry.keys()) {
      const event = parseEvent(sampleEnvelope(type));
      expect(event.type).toBe(type);
    }
  });

  it('keeps the extension attributes and drops unknown data fields', () => {
    const json: Record<string, unknown> = { ...sampleEnvelope('crm.customer.tagged.v1'), correlationid: 'req-1', causationid: 'evt_x' };
    (json.data as Record<string, unknown>).extra = 'ignored';
    const event = parseEvent(json);
    expect(event.correlationid).toBe('req-1');
    expect(event.causationid).toBe('evt_x');
    expect(event.data).not.toHaveProperty('extra');
  });

  const bad: Array<[string, (e: Record<string, unknown>) => void, RegExp]> = [
    ['wrong specversion', (e) => (e.specversion = '0.3'), / specversion: /],
    ['missing id', (e) => delete e.id, / id: /],
    ['missing subject', (e) => delete e.subject, / subject: /],
    ['time not UTC ISO', (e) => (e.time = '2025-03-01 10:00'), / time: /],
    ['time with offset', (e) => (e.time = '2025-03-01T10:00:00+02:00'), / time: /],
    ['wrong datacontenttype', (e) => (e.datacontenttype = 'text/plain'), / datacontenttype: /],
    ['malformed type', (e) => (e.type = 'CustomerRegistered'), / type: /],
    ['unknown type', (e) => (e.type = 'crm.customer.teleported.v1'), /unknown event type crm\.customer\.teleported\.v1/],
    ['not an object', () => undefined, /invalid CloudEvent envelope/],
  ];
  for (const [name, mutate, message] of bad) {
    it(`rejects ${name}`, () => {
      const json = name === 'not an object' ? 'hello' : sampleEnvelope('crm.customer.registered.v1');
      if (typeof json === 'object') mutate(json);
      expect(() => parseEvent(json)).toThrow(EventParseError);
      expect(() => parseEvent(json)).toThrow(message);
    });
  }

  const badData: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['float money', 'crm.purchase.recorded.v1', { amount: 12.5 }, /amount/],
    ['money with 5 decimals', 'crm.purchase.recorded.v1', { amount: '1.23456' }, /amount/],
    ['negative money', 'crm.purchase.recorded.v1', { amount: '-1.00' }, /amount/],
    ['lowercase currency', 'crm.purchase.recorded.v1', { currency: 'eur' }, /currency/],
    ['unknown channel', 'crm.interaction.recorded.v1', { channel: 'pigeon' }, /channel/],
    ['customer id without prefix', 'crm.customer.registered.v1', { customerId: '123' }, /customerId/],
    ['ticket id as customer id', 'crm.customer.registered.v1', { customerId: newId('tkt') }, /customerId/],
    ['unknown lifecycle stage', 'crm.customer.lifecycle_stage_changed.v1', { to: 'vip' }, /to/],
    ['rating out of range', 'crm.ticket.satisfaction_rated.v1', { rating: 6 }, /rating/],
    ['csat score 0', 'crm.survey.answered.v1', { kind: 'csat', score: 0 }, /csat needs a score/],
    ['nps without score', 'crm.survey.answered.v1', { kind: 'nps', score: undefined }, /nps needs a score/],
    ['free-text tag', 'crm.customer.tagged.v1', { added: ['Very angry customer'] }, /added/],
    ['RFM score 6', 'crm.analytics.customer_value_updated.v1', { rfm: { recency: 6, frequency: 1, monetary: 1, segment: 'lost' } }, /rfm/],
    ['probability above 1', 'crm.analytics.churn_risk_raised.v1', { probabilityAlive: 1.2 }, /probabilityAlive/],
    ['command without a customer', 'crm.interaction.command.record_purchase.v1', { customerExternalId: undefined }, /customerId or customerExternalId/],
    ['invalid profile e-mail', 'crm.customer.profile.v1', { emails: [{ address: 'nope', primary: true, verified: true }] }, /emails/],
  ];
  for (const [name, type, patch, message] of badData) {
    it(`rejects data failing its schema: ${name}`, () => {
      const json = sampleEnvelope(type, { ...(sampleData[type] as object), ...patch });
      expect(() => parseEvent(json)).toThrow(message);
      expect(() => parseEvent(json)).toThrow(/invalid crm\.[a-z_.]+\.v1 event: data\./);
    });
  }

  it('can accept an unknown type on request (an older subscriber reading newer events)', () => {
    const json = { ...sampleEnvelope('crm.customer.registered.v1'), type: 'crm.customer.teleported.v1' };
    expect(parseEvent(json, { allowUnknownTypes: true }).type).toBe('crm.customer.teleported.v1');
  });
});

describe('createEvent', () => {
  it('fills id, time, specversion and datacontenttype', () => {
    const event = createEvent(purchaseRecorded, {
      source: '/crm/interaction',
      subject: ids.customer,
      data: sampleData['crm.purchase.recorded.v1'] as never,
      correlationId: 'req-9',
      time: new Date('2025-01-01T00:00:00Z'),
    });
    expect(event.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(event.time).toBe('2025-01-01T00:00:00.000Z');
    expect(event.correlationid).toBe('req-9');
    expect(event).not.toHaveProperty('causationid');
    expect(isEvent(purchaseRecorded, event) && event.data.amount).toBe('12.50');
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('throws on invalid data, naming the field', () => {
    expect(() =>
      createEvent(customerRegistered, {
        source: '/crm/customer',
        subject: ids.customer,
        data: { customerId: ids.customer, kind: 'robot', lifecycleStage: 'new', source: 'api' } as never,
      }),
    ).toThrow(/kind/);
  });

  it('validates refinements too', () => {
    const data = { ...(sampleData['crm.interaction.command.record_purchase.v1'] as object), customerExternalId: undefined };
    expect(() => createEvent(recordPurchaseCommand, { source: '/shop', subject: 'ORD-2', data: data as never })).toThrow(/customerExternalId/);
    const servqual = { ...(sampleData['crm.survey.answered.v1'] as object), kind: 'servqual', score: undefined };
    expect(() => createEvent(surveyAnswered, { source: '/crm/interaction', subject: ids.customer, data: servqual as never })).toThrow(/servqual/);
  });
});

describe('cloudEventSchema', () => {
  it('wraps any data schema', () => {
    const schema = cloudEventSchema(z.object({ n: z.number() }));
    const ok = { ...sampleEnvelope('crm.test.thing.v1'), data: { n: 1 } };
    expect(schema.safeParse(ok).success).toBe(true);
    expect(schema.safeParse({ ...ok, data: { n: 'x' } }).success).toBe(false);
  });
  it('pins the type when given one', () => {
    const schema = cloudEventSchema(z.object({}), 'crm.test.thing.v1');
    expect(schema.safeParse({ ...sampleEnvelope('crm.test.thing.v1'), data: {} }).success).toBe(true);
    expect(schema.safeParse({ ...sampleEnvelope('crm.test.other.v1'), data: {} }).success).toBe(false);
  });
});
