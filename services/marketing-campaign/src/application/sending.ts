// Shared by campaign runs and journey steps: the send-time subject (facts, contact, recent sends), the
// decision through the domain's send policy, template values, and the contract's skip vocabulary.
import type { skipReasons as contractSkipReasons } from '@crm/contracts';
import { decideSend, type Channel, type ConsentPurpose, type SendDecision, type SendPolicy, type SkipReason } from '../domain/index.ts';
import type { Tx } from '../db.ts';
import { toFacts, type FactsRow } from './facts.ts';

export type ContractSkipReason = (typeof contractSkipReasons)[number];

export function contractReason(reason: SkipReason | 'holdout'): ContractSkipReason {
  switch (reason) {
    case 'erased':
      return 'customer_erased';
    case 'consent_withdrawn':
      return 'no_consent';
    default:
      return reason;
  }
}

/** Statuses of a message that counts against the frequency cap (it went out or is going out). */
export const outgoingStatuses = ['sending', 'sent', 'exported', 'delivered', 'opened', 'clicked'];

/** Marketing messages to this customer in the last `days` days, across campaigns and journeys. */
export async function recentSends(tx: Tx, customerId: string, now: Date, days: number): Promise<Date[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = await tx.$queryRawUnsafe<{ at: Date }[]>(
    `SELECT coalesce(sent_at, created_at) AS at FROM campaign_send
       WHERE customer_id = $1 AND status = ANY($2) AND coalesce(sent_at, created_at) > $3
     UNION ALL
     SELECT coalesce(sent_at, created_at) AS at FROM journey_send
       WHERE customer_id = $1 AND status = ANY($2) AND coalesce(sent_at, created_at) > $3`,
    customerId, outgoingStatuses, since,
  );
  return rows.map((r) => r.at);
}

/**
 * Lock the customer's facts row and decide. The lock serialises concurrent decisions for one customer
 * (two campaigns at once cannot both slip under the frequency cap).
 */
export async function decideFor(
  tx: Tx,
  customerId: string,
  channel: Channel,
  purpose: ConsentPurpose,
  policy: Partial<SendPolicy>,
  now: Date,
): Promise<{ row: FactsRow | null; decision: SendDecision }> {
  await tx.$queryRawUnsafe(`SELECT 1 FROM customer_facts WHERE customer_id = $1 FOR UPDATE`, customerId);
  const row = await tx.customerFacts.findUnique({ where: { customerId } });
  if (!row) return { row: null, decision: { send: false, reason: 'no_contact_point' } };
  const facts = toFacts(row);
  const sends = policy.frequencyCap && purpose === 'marketing' ? await recentSends(tx, customerId, now, policy.frequencyCap.perDays) : [];
  const decision = decideSend(
    { consent: facts.consent, contactPoints: facts.contactPoints, erased: facts.erased, timeZone: facts.timeZone, recentSends: sends },
    {
      channel,
      now,
      purpose,
      ...(policy.quietHours ? { quietHours: policy.quietHours } : {}),
      ...(policy.frequencyCap && purpose === 'marketing' ? { frequencyCap: policy.frequencyCap } : {}),
      ...(policy.defaultTimeZone ? { defaultTimeZone: policy.defaultTimeZone } : {}),
    },
  );
  return { row, decision };
}

export async function templateValues(tx: Tx, row: FactsRow, extra: { campaignName?: string } = {}) {
  const member = await tx.loyaltyMember.findUnique({ where: { customerId: row.customerId } });
  return {
    firstName: row.givenName,
    points: member?.balance ?? 0,
    tier: member?.tier ?? null,
    campaignName: extra.campaignName,
    unsubscribeUrl: `https://crm.local/unsubscribe/${row.customerId}`,
  };
}
