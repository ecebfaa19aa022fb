// Periodic loyalty work the scheduler runs from the database: expiry of the oldest points first, tier
// evaluation at period end, and birthday bonuses + greetings. Each step has a guard row
// (processed_event with its own group) or a deterministic movement id, so a repeated tick does nothing.
import { DateTime } from 'luxon';
import {
  bonusFor,
  buildMovement,
  customerZone,
  evaluateTierAtPeriodEnd,
  expiresAt,
  expiryDue,
  type Movement,
  type Tier,
} from '../domain/index.ts';
import type { Db, Tx } from '../db.ts';
import { publishers } from '../events/publish.ts';
import { feedJourneys } from './journeys.ts';
import { book, lockMember, programmeRules } from './loyalty.ts';

async function movementsOf(tx: Tx, customerId: string): Promise<Movement[]> {
  const rows = await tx.ledgerMovement.findMany({ where: { customerId }, orderBy: [{ at: 'asc' }, { createdAt: 'asc' }] });
  return rows.map((r) => buildMovement({ id: r.id, kind: r.kind as Movement['kind'], customerId, points: r.points, at: r.at.toISOString(), ref: r.ref, ...(r.lotRef ? { lotRef: r.lotRef } : {}) }));
}

async function guard(tx: Tx, group: string, key: string): Promise<boolean> {
  return (await tx.$executeRawUnsafe(`INSERT INTO processed_event (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, group, key)) === 1;
}

/** Book the expiry of every lot older than the programme's expiry period (oldest first). */
export async function expirePoints(db: Db, now: Date, limit = 200): Promise<number> {
  const rules = await db.$transaction((tx) => programmeRules(tx));
  if (!rules.expiryMonths) return 0;
  const cutoff = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ months: rules.expiryMonths }).toJSDate();
  const due = await db.$queryRawUnsafe<{ customer_id: string }[]>(
    `SELECT DISTINCT m.customer_id FROM ledger_movement m
      WHERE m.kind IN ('accrual','bonus') AND m.at <= $1
        AND NOT EXISTS (SELECT 1 FROM ledger_movement x WHERE x.id = 'exp:' || m.id)
      LIMIT $2`,
    cutoff, limit,
  );
  let expired = 0;
  for (const { customer_id: customerId } of due) {
    await db.$transaction(async (tx) => {
      let { balance } = await lockMember(tx, customerId);
      for (const lot of expiryDue(await movementsOf(tx, customerId), now, rules)) {
        const points = Math.min(lot.points, balance);
        if (points <= 0) continue;
        const m = points === lot.points ? lot.movement : buildMovement({ ...lot.movement, points });
        const r = await book(tx, m, balance);
        if (!r.booked) continue;
        balance = r.balanceAfter;
        expired += points;
        await publishers.pointsExpired(tx, { entryId: r.entryId, customerId, points, balanceAfter: r.balanceAfter });
      }
    });
  }
  return expired;
}

/** At each period end: every member's tier from the rolling window; upgrades and downgrades are events. */
export async function evaluateTiers(db: Db, now: Date, limit = 500): Promise<number> {
  const rules = await db.$transaction((tx) => programmeRules(tx));
  if (!rules.tiers) return 0;
  const periodEnd = DateTime.fromJSDate(now, { zone: 'utc' }).startOf(rules.tiers.period).toJSDate();
  const members = await db.$queryRawUnsafe<{ customer_id: string }[]>(
    `SELECT customer_id FROM loyalty_member m
      WHERE NOT EXISTS (SELECT 1 FROM processed_event p WHERE p.consumer_group = 'loyalty-tiers' AND p.event_id = $1 || ':' || m.customer_id)
      ORDER BY customer_id LIMIT $2`,
    periodEnd.toISOString(), limit,
  );
  let changed = 0;
  for (const { customer_id: customerId } of members) {
    await db.$transaction(async (tx) => {
      if (!(await guard(tx, 'loyalty-tiers', `${periodEnd.toISOString()}:${customerId}`))) return;
      const member = await lockMember(tx, customerId);
      const result = evaluateTierAtPeriodEnd(member.tier as Tier | null, { movements: await movementsOf(tx, customerId) }, periodEnd, rules);
      if (result.change === 'none' || result.to === null && result.from === null) return;
      await tx.loyaltyMember.update({ where: { customerId }, data: { tier: result.to, version: { increment: 1 }, updatedAt: now } });
      if (result.to) {
        await publishers.tierChanged(tx, { customerId, from: result.from, to: result.to, reason: result.from === null ? 'initial' : result.change });
      }
      changed++;
    });
  }
  return changed;
}

/** Birthdays (in the customer's own time zone): the greeting journey and the programme's bonus, once a year. */
export async function birthdays(db: Db, now: Date): Promise<number> {
  const days = [-1, 0, 1].map((d) => DateTime.fromJSDate(now, { zone: 'utc' }).plus({ days: d }).toFormat('MM-dd'));
  const rows = await db.$queryRawUnsafe<{ customer_id: string; birthday: string; time_zone: string | null }[]>(
    `SELECT customer_id, birthday, time_zone FROM customer_facts
      WHERE erased_at IS NULL AND merged_into IS NULL AND birthday IS NOT NULL AND right(birthday, 5) = ANY($1)`,
    days,
  );
  let greeted = 0;
  for (const r of rows) {
    const local = DateTime.fromJSDate(now, { zone: customerZone(r.time_zone ?? undefined) });
    if (local.toFormat('MM-dd') !== r.birthday.slice(-5)) continue;
    const ref = `${r.customer_id}:${local.year}`;
    await db.$transaction(async (tx) => {
      if (!(await guard(tx, 'birthdays', ref))) return;
      greeted++;
      await feedJourneys(tx, { id: `birthday:${ref}`, type: 'customer.birthday', customerId: r.customer_id, occurredAt: now.toISOString(), data: {} }, now);
      const rules = await programmeRules(tx);
      const bonus = bonusFor('birthday', r.customer_id, now.toISOString(), ref, rules);
      if (!bonus) return;
      const member = await lockMember(tx, r.customer_id);
      const booked = await book(tx, bonus, member.balance);
      if (booked.booked) {
        await publishers.pointsAccrued(tx, {
          entryId: booked.entryId, customerId: r.customer_id, points: bonus.points, reason: 'birthday', balanceAfter: booked.balanceAfter,
          expiresAt: rules.expiryMonths ? expiresAt(bonus.at, rules.expiryMonths).toISOString() : undefined,
        });
      }
    });
  }
  return greeted;
}
