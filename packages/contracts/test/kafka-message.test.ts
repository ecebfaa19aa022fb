import { describe, expect, it } from 'vitest';
import {
  createEvent, customerRegistered, EventParseError, fromKafkaMessage, isTombstone, ticketOpened, toKafkaMessage,
} from '../src/index.ts';
import { ids, sampleData } from './fixtures.ts';

const event = createEvent(ticketOpened, {
  source: '/crm/ticketing',
  subject: ids.customer,
  data: sampleData['crm.ticket.opened.v1'] as never,
  causationId: 'evt_cause',
});

describe('toKafkaMessage / fromKafkaMessage', () => {
  it('keys by subject and sets the CloudEvents headers', () => {
    const msg = toKafkaMessage(event, { requestId: 'req-1' });
    expect(msg.key).toBe(ids.customer);
    expect(msg.headers).toEqual({
      'content-type': 'application/cloudevents+json',
      ce_id: event.id,
      ce_type: 'crm.ticket.opened.v1',
      ce_source: '/crm/ticketing',
      'x-request-id': 'req-1',
      'causation-id': 'evt_cause',
    });
  });

  it('round-trips through the bytes a consumer receives', () => {
    const msg = toKafkaMessage(event);
    const received = {
      key: Buffer.from(msg.key),
      value: Buffer.from(msg.value),
      headers: Object.fromEntries(Object.entries(msg.headers).map(([k, v]) => [k, Buffer.from(v)])),
    };
    expect(fromKafkaMessage(received)).toEqual(event);
  });

  it('omits headers it has no value for, and takes the request id from the envelope', () => {
    const plain = createEvent(customerRegistered, {
      source: '/crm/customer', subject: ids.customer, data: sampleData['crm.customer.registered.v1'] as never, correlationId: 'req-2',
    });
    const msg = toKafkaMessage(plain);
    expect(msg.headers['x-request-id']).toBe('req-2');
    expect(msg.headers).not.toHaveProperty('causation-id');
  });

  it('carries a header-only request id into the parsed event', () => {
    const msg = toKafkaMessage(event, { requestId: 'req-3' });
    expect(JSON.parse(msg.value).correlationid).toBeUndefined();
    expect(fromKafkaMessage({ value: msg.value, headers: { 'x-request-id': [Buffer.from('req-3')] } }).correlationid).toBe('req-3');
  });

  it('rejects tombstones, non-JSON and invalid events with EventParseError', () => {
    expect(isTombstone({ value: null })).toBe(true);
    expect(() => fromKafkaMessage({ value: null })).toThrow(/tombstone/);
    expect(() => fromKafkaMessage({ value: Buffer.from('{nope') })).toThrow(/not JSON/);
    const broken = JSON.parse(toKafkaMessage(event).value);
    broken.data.priority = 'P9';
    expect(() => fromKafkaMessage({ value: JSON.stringify(broken) })).toThrow(EventParseError);
    expect(() => fromKafkaMessage({ value: JSON.stringify(broken) })).toThrow(/data\.priority/);
  });
});
