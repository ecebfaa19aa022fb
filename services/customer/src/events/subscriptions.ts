// Every event the customer service consumes, in one place.
import {
  analyticsErasureConfirmed,
  churnRiskCleared,
  churnRiskRaised,
  interactionErasureConfirmed,
  marketingErasureConfirmed,
  purchaseRecorded,
  ticketErasureConfirmed,
  type CloudEvent,
  type EventData,
} from '@crm/contracts';
import type { Handlers } from '@crm/event-bus';
import { applyStageTrigger } from '../application/customers.ts';
import type { Tx } from '../db.ts';

const system = (event: CloudEvent) => ({ sub: `event:${event.source}`, requestId: event.correlationid });

async function liveId(tx: Tx, id: string): Promise<string | null> {
  // Events may still name a customer that was merged since; they count for the survivor.
  let current = id;
  for (let i = 0; i < 10; i++) {
    const row = await tx.customer.findUnique({ where: { id: current }, select: { mergedIntoId: true, erasedAt: true } });
    if (!row || row.erasedAt) return null;
    if (!row.mergedIntoId) return current;
    current = row.mergedIntoId;
  }
  return null;
}

const confirmErasure = (service: string) => async (event: CloudEvent, tx: Tx) => {
  const data = event.data as { customerId: string; confirmedAt?: string };
  await tx.erasureConfirmation.upsert({
    where: { customerId_service: { customerId: data.customerId, service } },
    create: { customerId: data.customerId, service, confirmedAt: new Date(data.confirmedAt ?? event.time) },
    update: {},
  });
};

export const subscriptions: Handlers<Tx> = {
  [purchaseRecorded.type]: async (event, tx) => {
    const { customerId } = event.data as { customerId: string };
    const id = await liveId(tx, customerId);
    if (!id) return;
    const { purchaseCount } = await tx.customer.update({ where: { id }, data: { purchaseCount: { increment: 1 } }, select: { purchaseCount: true } });
    await applyStageTrigger(tx, id, { kind: 'purchase', purchaseCount }, system(event), event.id);
  },
  // Only the high level means "at risk"; a rise from low to medium is analytics' business, not a stage.
  [churnRiskRaised.type]: async (event, tx) => {
    const data = event.data as EventData<typeof churnRiskRaised>;
    const id = data.level === 'high' ? await liveId(tx, data.customerId) : null;
    if (id) await applyStageTrigger(tx, id, { kind: 'churn_risk_raised' }, system(event), event.id);
  },
  [churnRiskCleared.type]: async (event, tx) => {
    const data = event.data as EventData<typeof churnRiskCleared>;
    const id = data.previousLevel === 'high' && data.level !== 'high' ? await liveId(tx, data.customerId) : null;
    if (id) await applyStageTrigger(tx, id, { kind: 'churn_risk_cleared' }, system(event), event.id);
  },
  [interactionErasureConfirmed.type]: confirmErasure('interaction'),
  [ticketErasureConfirmed.type]: confirmErasure('ticketing'),
  [marketingErasureConfirmed.type]: confirmErasure('marketing-campaign'),
  [analyticsErasureConfirmed.type]: confirmErasure('analytics'),
};

/** The topics those events arrive on. */
export const subscribedTopics = ['crm.interaction', 'crm.analytics', 'crm.ticket', 'crm.marketing'];
