// Event factories for the tests and the benchmark: valid envelopes built with createEvent.
import {
  createEvent, customerConsentChanged, customerErased, customerLifecycleStageChanged, customerProfile, customerRegistered,
  interactionRecorded, newId, purchaseRecorded, purchaseRefunded, surveyAnswered, ticketOpened, ticketResolved,
  ticketSatisfactionRated, ticketSlaBreached,
} from '@crm/contracts';

const src = (s: string) => ({ source: `/crm/${s}` });

export const ev = {
  registered: (customerId: string, time?: string) =>
    createEvent(customerRegistered, { ...src('customer'), subject: customerId, ...(time ? { time } : {}), data: { customerId, kind: 'person', lifecycleStage: 'prospect', source: 'api' } }),
  stage: (customerId: string, to: 'active' | 'at_risk' | 'new') =>
    createEvent(customerLifecycleStageChanged, { ...src('customer'), subject: customerId, data: { customerId, from: null, to, reason: 'manual' } as never }),
  consent: (customerId: string, granted: boolean, effectiveAt: string) =>
    createEvent(customerConsentChanged, { ...src('customer'), subject: customerId, data: { customerId, channel: 'email', purpose: 'marketing', granted, source: 'web_form', effectiveAt } }),
  profile: (customerId: string, version: number, name: string) =>
    createEvent(customerProfile, {
      ...src('customer'), subject: customerId,
      data: {
        customerId, kind: 'person', version, displayName: name, givenName: name.split(' ')[0], emails: [{ address: `${customerId.toLowerCase()}@example.com`, primary: true, verified: true }],
        phones: [], postalAddresses: [{ lines: ['1 Secret Street'], city: 'Berlin', country: 'DE', primary: true, verified: false }],
        country: 'DE', timeZone: 'Europe/Berlin', birthday: '1980-01-02', lifecycleStage: 'active', tags: ['vip'], externalIds: [], updatedAt: new Date().toISOString(),
      } as never,
    }),
  erased: (customerId: string) =>
    createEvent(customerErased, { ...src('customer'), subject: customerId, data: { customerId, erasedAt: new Date().toISOString() } }),
  purchase: (customerId: string, amount: string, occurredAt: string, orderId = newId('ord')) =>
    createEvent(purchaseRecorded, {
      ...src('interaction'), subject: customerId,
      data: { purchaseId: newId('pur'), orderId, customerId, amount, currency: 'EUR', occurredAt, channel: 'web', lineCount: 1, source: 'api' },
    }),
  refund: (customerId: string, amount: string, occurredAt: string) =>
    createEvent(purchaseRefunded, {
      ...src('interaction'), subject: customerId,
      data: { refundId: newId('rfd'), purchaseId: newId('pur'), orderId: 'o-1', customerId, amount, currency: 'EUR', occurredAt, reason: 'returned', full: false },
    }),
  interaction: (customerId: string, channel: 'phone' | 'email' | 'chat', occurredAt: string) =>
    createEvent(interactionRecorded, {
      ...src('interaction'), subject: customerId,
      data: { interactionId: newId('int'), customerId, channel, direction: 'inbound', kind: 'call', occurredAt },
    }),
  nps: (customerId: string, score: number) =>
    createEvent(surveyAnswered, { ...src('interaction'), subject: customerId, data: { responseId: newId('svy'), customerId, kind: 'nps', answeredAt: new Date().toISOString(), score } }),
  ticketOpened: (customerId: string, ticketId: string, queueId: string) =>
    createEvent(ticketOpened, { ...src('ticketing'), subject: customerId, data: { ticketId, customerId, priority: 'P2', category: 'billing', channel: 'email', queueId, tags: [] } }),
  ticketBreached: (customerId: string, ticketId: string, queueId: string) =>
    createEvent(ticketSlaBreached, { ...src('ticketing'), subject: customerId, data: { ticketId, customerId, metric: 'first_response', dueAt: new Date().toISOString(), breachedAt: new Date().toISOString(), priority: 'P2', queueId } as never }),
  ticketResolved: (customerId: string, ticketId: string, queueId: string, agentId: string, resolutionSeconds: number) =>
    createEvent(ticketResolved, {
      ...src('ticketing'), subject: customerId,
      data: { ticketId, customerId, resolvedAt: new Date().toISOString(), queueId, agentId, priority: 'P2', firstResponseSeconds: 60, resolutionSeconds, firstContactResolution: true, slaMet: resolutionSeconds < 3600 },
    }),
  ticketRated: (customerId: string, ticketId: string, rating: number) =>
    createEvent(ticketSatisfactionRated, { ...src('ticketing'), subject: customerId, data: { ticketId, customerId, rating, ratedAt: new Date().toISOString() } }),
};

export const daysAgo = (n: number, hour = 12) => {
  const d = new Date(Date.now() - n * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
