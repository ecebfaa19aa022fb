// KPIs per queue or agent over tickets created in [from, to): loads the tickets, folds each one's SLA
// with the pure clock, and hands the set to the pure KPI function.
import type { Db } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { computeKpis, type KpiTicket } from '../domain/index.ts';
import { evaluate } from './sla.ts';

export interface KpiQuery {
  from: Date;
  to: Date;
  basis: 'wall' | 'business';
}

export async function kpisFor(db: Db, scope: { queueId: string } | { assigneeId: string }, q: KpiQuery, now = Date.now()) {
  const where: Prisma.TicketWhereInput = { ...scope, createdAt: { gte: q.from, lt: q.to } };
  const tickets = await db.ticket.findMany({ where, orderBy: { id: 'asc' } });
  const ids = tickets.map((t) => t.id);
  const ratings = new Map((await db.satisfactionRating.findMany({ where: { ticketId: { in: ids } } })).map((r) => [r.ticketId, r.rating]));
  const items: KpiTicket[] = [];
  for (const t of tickets) {
    const ev = await evaluate(db, t, now);
    const resolvedNow = t.status === 'resolved' || t.status === 'closed';
    items.push({
      id: t.id,
      createdAt: t.createdAt.getTime(),
      firstResponseAt: t.firstPublicReplyAt?.getTime() ?? null,
      firstResponseBusinessMs: ev && t.firstPublicReplyAt ? ev.states.first_response.elapsedMs : null,
      resolvedAt: resolvedNow ? (t.resolvedAt?.getTime() ?? null) : null,
      resolutionBusinessMs: ev && resolvedNow ? ev.states.resolution.elapsedMs : null,
      statusHistory: (ev?.history ?? []).map((h) => ({ status: h.status, at: Number(h.at) })),
      reopenCount: t.reopenCount,
      publicRepliesBeforeFirstResolution: t.repliesBeforeResolve,
      sla: ev ? { first_response: ev.states.first_response.state, resolution: ev.states.resolution.state } : {},
      csat: ratings.get(t.id) ?? null,
    });
  }
  const kpis = computeKpis(items, { basis: q.basis, backlogAt: Math.min(q.to.getTime(), now) });
  return { ...scope, from: q.from.toISOString(), to: q.to.toISOString(), basis: q.basis, ...kpis };
}
