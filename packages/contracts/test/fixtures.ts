// Valid sample data for every registered event type, so tests can build each one.
import { newId } from '../src/ids.ts';

const now = '2025-03-01T10:00:00.000Z';
export const ids = {
  customer: newId('cus'),
  other: newId('cus'),
  lead: newId('lead'),
  interaction: newId('int'),
  purchase: newId('pur'),
  refund: newId('rfd'),
  survey: newId('svy'),
  ticket: newId('tkt'),
  reply: newId('rpl'),
  queue: newId('q'),
  segment: newId('seg'),
  campaign: newId('cmp'),
  journey: newId('jrn'),
  enrollment: newId('enr'),
  message: newId('msg'),
  entry: newId('lpe'),
  entry2: newId('lpe'),
  redemption: newId('rdm'),
};
const c = ids.customer;
const msg = { messageId: ids.message, customerId: c, channel: 'email', campaignId: ids.campaign, variant: 'a' };
const risk = { customerId: c, level: 'high', previousLevel: 'medium', probabilityAlive: 0.2, recencyDays: 120 };
const confirm = { customerId: c, erasedAt: now, confirmedAt: now };

export const sampleData: Record<string, unknown> = {
  'crm.customer.registered.v1': { customerId: c, kind: 'person', lifecycleStage: 'prospect', source: 'api' },
  'crm.customer.profile_updated.v1': { customerId: c, changedFields: ['emails', 'birthday'], version: 2 },
  'crm.customer.lifecycle_stage_changed.v1': { customerId: c, from: 'prospect', to: 'new', reason: 'first_purchase' },
  'crm.customer.consent_changed.v1': { customerId: c, channel: 'email', purpose: 'marketing', granted: true, source: 'double_opt_in', effectiveAt: now },
  'crm.customer.tagged.v1': { customerId: c, added: ['vip'], removed: [] },
  'crm.customer.lead_captured.v1': { leadId: ids.lead, source: 'campaign', campaignId: ids.campaign },
  'crm.customer.lead_qualified.v1': { leadId: ids.lead, score: 80 },
  'crm.customer.lead_disqualified.v1': { leadId: ids.lead, reason: 'no_budget' },
  'crm.customer.lead_converted.v1': { leadId: ids.lead, customerId: c },
  'crm.customer.merged.v1': { survivorId: c, mergedId: ids.other },
  'crm.customer.erased.v1': { customerId: c, erasedAt: now },
  'crm.customer.profile.v1': {
    customerId: c, kind: 'person', version: 3, displayName: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace',
    emails: [{ address: 'ada@example.org', primary: true, verified: true }],
    phones: [{ number: '+442071234567', primary: true, verified: false }],
    postalAddresses: [{ lines: ['12 St James Square'], postalCode: 'SW1Y 4JH', city: 'London', country: 'GB', primary: true, verified: false }],
    country: 'GB', timeZone: 'Europe/London', locale: 'en-GB', birthday: '1815-12-10', lifecycleStage: 'active',
    tags: ['vip'], externalIds: [{ system: 'shop', id: 'A-1001' }], updatedAt: now,
  },
  'crm.interaction.recorded.v1': {
    interactionId: ids.interaction, customerId: c, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: now,
    durationSeconds: 300, outcome: 'resolved', intent: 'complaint', queueId: ids.queue, queueWaitSeconds: 40, handleSeconds: 260,
    firstContactResolution: true, agentId: 'agent-7',
  },
  'crm.interaction.corrected.v1': {
    interactionId: ids.interaction, customerId: c, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: now,
    revision: 2, changedFields: ['outcome'],
  },
  'crm.interaction.erasure_confirmed.v1': confirm,
  'crm.purchase.recorded.v1': {
    purchaseId: ids.purchase, orderId: 'ORD-1', customerId: c, amount: '12.50', currency: 'EUR', occurredAt: now,
    channel: 'web', lineCount: 2, source: 'api',
  },
  'crm.purchase.refunded.v1': {
    refundId: ids.refund, purchaseId: ids.purchase, orderId: 'ORD-1', customerId: c, amount: '2.50', currency: 'EUR',
    occurredAt: now, reason: 'returned', full: false,
  },
  'crm.survey.answered.v1': { responseId: ids.survey, customerId: c, kind: 'nps', answeredAt: now, score: 9 },
  'crm.interaction.command.record_purchase.v1': {
    orderId: 'ORD-2', customerExternalId: { system: 'shop', id: 'A-1001' }, amount: '99.00', currency: 'USD', occurredAt: now,
    lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '99.00' }],
  },
  'crm.interaction.command.record_interaction.v1': {
    externalId: 'call-77', customerId: c, channel: 'phone', direction: 'outbound', kind: 'call', occurredAt: now,
  },
  'crm.ticket.opened.v1': { ticketId: ids.ticket, customerId: c, priority: 'P2', category: 'billing', channel: 'email', tags: [] },
  'crm.ticket.assigned.v1': { ticketId: ids.ticket, customerId: c, queueId: ids.queue, agentId: 'agent-7', method: 'round_robin' },
  'crm.ticket.replied.v1': { ticketId: ids.ticket, customerId: c, replyId: ids.reply, visibility: 'public', authorType: 'agent', agentId: 'agent-7', firstResponse: true },
  'crm.ticket.status_changed.v1': { ticketId: ids.ticket, customerId: c, from: 'new', to: 'open' },
  'crm.ticket.sla_breached.v1': { ticketId: ids.ticket, customerId: c, metric: 'first_response', dueAt: now, breachedAt: now, priority: 'P1' },
  'crm.ticket.escalated.v1': { ticketId: ids.ticket, customerId: c, level: 1, reason: 'sla_breach', fromPriority: 'P2', toPriority: 'P1' },
  'crm.ticket.resolved.v1': {
    ticketId: ids.ticket, customerId: c, resolvedAt: now, priority: 'P2', resolutionSeconds: 3600, firstResponseSeconds: 600,
    firstContactResolution: false, slaMet: true,
  },
  'crm.ticket.reopened.v1': { ticketId: ids.ticket, customerId: c, reopenCount: 1 },
  'crm.ticket.closed.v1': { ticketId: ids.ticket, customerId: c, closedAt: now },
  'crm.ticket.satisfaction_rated.v1': { ticketId: ids.ticket, customerId: c, rating: 4, ratedAt: now },
  'crm.ticket.satisfaction_requested.v1': { ticketId: ids.ticket, customerId: c, requestedAt: now },
  'crm.ticket.erasure_confirmed.v1': confirm,
  'crm.marketing.segment_membership_changed.v1': { segmentId: ids.segment, customerId: c, change: 'entered' },
  'crm.marketing.campaign_state_changed.v1': { campaignId: ids.campaign, from: 'scheduled', to: 'running', channel: 'email' },
  'crm.marketing.message_sent.v1': { ...msg, sentAt: now },
  'crm.marketing.message_skipped.v1': { ...msg, reason: 'no_consent' },
  'crm.marketing.message_delivered.v1': { ...msg, deliveredAt: now },
  'crm.marketing.message_opened.v1': { ...msg, openedAt: now },
  'crm.marketing.message_clicked.v1': { ...msg, linkCode: 'cta', clickedAt: now },
  'crm.marketing.message_bounced.v1': { ...msg, bounceType: 'hard', bouncedAt: now },
  'crm.marketing.journey_enrolled.v1': { journeyId: ids.journey, enrollmentId: ids.enrollment, customerId: c, journeyCode: 'win_back' },
  'crm.marketing.journey_step_completed.v1': { journeyId: ids.journey, enrollmentId: ids.enrollment, customerId: c, stepCode: 'send_offer', messageId: ids.message },
  'crm.marketing.journey_exited.v1': { journeyId: ids.journey, enrollmentId: ids.enrollment, customerId: c, reason: 'purchase' },
  'crm.marketing.erasure_confirmed.v1': confirm,
  'crm.loyalty.points_accrued.v1': { entryId: ids.entry, customerId: c, points: 125, reason: 'purchase', purchaseId: ids.purchase, balanceAfter: 125 },
  'crm.loyalty.points_reversed.v1': {
    entryId: ids.entry2, customerId: c, points: 25, purchaseId: ids.purchase, refundId: ids.refund, reversesEntryId: ids.entry, balanceAfter: 100,
  },
  'crm.loyalty.points_redeemed.v1': { entryId: ids.entry2, customerId: c, points: 50, redemptionId: ids.redemption, balanceAfter: 50 },
  'crm.loyalty.points_expired.v1': { entryId: ids.entry2, customerId: c, points: 10, balanceAfter: 40 },
  'crm.loyalty.tier_changed.v1': { customerId: c, from: 'silver', to: 'gold', reason: 'upgrade' },
  'crm.loyalty.reward_redeemed.v1': { redemptionId: ids.redemption, customerId: c, rewardCode: 'voucher_10', points: 50 },
  'crm.analytics.customer_value_updated.v1': {
    customerId: c, currency: 'USD', historicalClv: '240.00', predictedClv: '118.37', horizonWeeks: 52, probabilityAlive: 0.83,
    expectedPurchases: 1.7, abcClass: 'A', rfm: { recency: 5, frequency: 4, monetary: 5, segment: 'champions' },
  },
  'crm.analytics.churn_risk_raised.v1': risk,
  'crm.analytics.churn_risk_cleared.v1': { ...risk, level: 'low', previousLevel: 'high' },
  'crm.analytics.erasure_confirmed.v1': confirm,
};

export function sampleEnvelope(type: string, data: unknown = sampleData[type]): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: newId('evt'),
    source: '/crm/test',
    type,
    time: now,
    subject: ids.customer,
    datacontenttype: 'application/json',
    data,
  };
}
