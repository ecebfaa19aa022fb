// Delivery outcomes reported back by a channel (provider webhook, SMTP DSN bridge): delivered, opened,
// clicked, bounced. Each is recorded once on the send and published, so the interaction service can put
// it on the customer's timeline and campaign results can count it.
import { HttpProblem } from '@crm/service-kit';
import type { Channel } from '../domain/index.ts';
import type { Db } from '../db.ts';
import { publishers, type Trace } from '../events/publish.ts';
import { journeyIdOf } from './journeys.ts';

export interface DeliveryReport {
  messageId: string;
  outcome: 'delivered' | 'opened' | 'clicked' | 'bounced';
  at?: string | undefined;
  linkCode?: string | undefined;
  bounceType?: 'hard' | 'soft' | undefined;
}

const column = { delivered: 'deliveredAt', opened: 'openedAt', clicked: 'clickedAt', bounced: 'bouncedAt' } as const;
const rank: Record<string, number> = { sending: 0, sent: 1, exported: 1, delivered: 2, opened: 3, clicked: 4 };

export async function recordDeliveryReport(db: Db, r: DeliveryReport, trace: Trace): Promise<{ recorded: boolean }> {
  const at = r.at ? new Date(r.at) : new Date();
  return db.$transaction(async (tx) => {
    const send = await tx.campaignSend.findUnique({ where: { id: r.messageId } });
    const journey = send ? null : await tx.journeySend.findUnique({ where: { id: r.messageId } });
    if (!send && !journey) throw HttpProblem.notFound(`no message ${r.messageId}`);
    const ref = send
      ? { messageId: send.id, customerId: send.customerId, channel: send.channel as Channel, campaignId: send.campaignId, variant: /^[a-z0-9][a-z0-9_.:-]{0,63}$/.test(send.variantId) ? send.variantId : undefined }
      : { messageId: journey!.id, customerId: journey!.customerId, channel: journey!.channel as Channel, journeyId: journeyIdOf(journey!.journeyKey) };
    if (send) {
      const field = column[r.outcome];
      if (send[field] !== null) return { recorded: false }; // already reported: once only
      const opensImplyDelivery = r.outcome === 'opened' || r.outcome === 'clicked' ? { deliveredAt: send.deliveredAt ?? at } : {};
      const status = r.outcome === 'bounced' ? 'bounced' : (rank[r.outcome] ?? 0) > (rank[send.status] ?? 0) ? r.outcome : send.status;
      await tx.campaignSend.update({ where: { id: send.id }, data: { [field]: at, ...opensImplyDelivery, status } });
    } else {
      const key = `delivery:${r.messageId}:${r.outcome}`;
      const n = await tx.$executeRawUnsafe(`INSERT INTO processed_event (consumer_group, event_id) VALUES ('delivery-reports', $1) ON CONFLICT DO NOTHING`, key);
      if (n === 0) return { recorded: false };
    }
    const iso = at.toISOString();
    if (r.outcome === 'delivered') await publishers.messageDelivered(tx, { ...ref, deliveredAt: iso }, trace);
    if (r.outcome === 'bounced') await publishers.messageBounced(tx, { ...ref, bounceType: r.bounceType ?? 'hard', bouncedAt: iso }, trace);
    if (r.outcome === 'opened') await publishers.messageOpened(tx, { ...ref, openedAt: iso }, trace);
    if (r.outcome === 'clicked') await publishers.messageClicked(tx, { ...ref, linkCode: r.linkCode ?? 'link', clickedAt: iso }, trace);
    return { recorded: true };
  });
}
