// Ticket use cases. Each runs in one transaction that holds the state change, the history rows, the SLA
// instants and the outbox rows together, so an event exists exactly when its change does. Every write
// locks the ticket row first (SELECT … FOR UPDATE), which also serialises it with the SLA scheduler.
import { newId } from '@crm/contracts';
import { HttpProblem, decodeCursor, encodeCursor } from '@crm/service-kit';
import type { Db, Tx } from '../db.ts';
import { Prisma, type Ticket, type TicketMessage } from '../generated/prisma/client.ts';
import {
  activeStatuses,
  allowedTransitions,
  chooseAgent,
  defaultLifecyclePolicy,
  transition,
  type AssignmentStrategy,
  type LifecyclePolicy,
  type TicketStatus,
} from '../domain/index.ts';
import { publishers } from '../events/publish.ts';
import type { Actor } from './context.ts';
import { refreshSla } from './sla.ts';

export const DEFAULT_QUEUE_ID = 'q_00000000000000000000000001';

export type Audience = 'agent' | 'customer';

export interface OpenInput {
  customerId: string;
  subject: string;
  description?: string | undefined;
  category: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  channel: 'phone' | 'email' | 'web' | 'chat' | 'social' | 'sms' | 'direct_mail' | 'visit' | 'other';
  tags: string[];
  queueId?: string | undefined;
  originInteractionId?: string | undefined;
  autoAssign?: boolean | undefined;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function messageView(m: TicketMessage) {
  return { id: m.id, visibility: m.visibility as 'public' | 'internal', authorType: m.authorType, authorId: m.authorId, body: m.body, createdAt: m.createdAt.toISOString() };
}

export function ticketView(t: Ticket, messages?: TicketMessage[], audience: Audience = 'agent') {
  const base = {
    id: t.id,
    customerId: t.customerId,
    channel: t.channel,
    originInteractionId: t.originInteractionId,
    subject: t.subject,
    description: t.description,
    category: t.category,
    priority: t.priority,
    tags: t.tags,
    status: t.status as TicketStatus,
    queueId: t.queueId,
    assigneeId: t.assigneeId,
    slaPolicyId: t.slaPolicyId,
    firstResponseDueAt: iso(t.firstResponseDueAt),
    resolutionDueAt: iso(t.resolutionDueAt),
    nextDueAt: iso(t.nextDueAt),
    firstPublicReplyAt: iso(t.firstPublicReplyAt),
    resolvedAt: iso(t.resolvedAt),
    closedAt: iso(t.closedAt),
    reopenedAt: iso(t.reopenedAt),
    reopenCount: t.reopenCount,
    escalationLevel: t.escalationLevel,
    version: t.version,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
  const visible = (messages ?? []).filter((m) => audience === 'agent' || m.visibility === 'public');
  return messages ? { ...base, messages: visible.map(messageView) } : base;
}
export type TicketView = ReturnType<typeof ticketView>;

/** Lock the ticket row for the rest of the transaction; 404 when it does not exist. */
export async function lockTicket(tx: Tx, id: string): Promise<Ticket> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM ticket WHERE id = ${id} FOR UPDATE`;
  if (rows.length === 0) throw new HttpProblem(404, 'Ticket not found', `no ticket ${id}`);
  return tx.ticket.findUniqueOrThrow({ where: { id } });
}

function checkVersion(t: Ticket, expected: number | undefined): void {
  if (expected !== undefined && t.version !== expected) {
    throw new HttpProblem(409, 'Version conflict', `ticket ${t.id} is at version ${t.version}, not ${expected}`, { currentVersion: t.version });
  }
}

export async function recordHistory(tx: Tx, ticketId: string, by: string, at: Date, changes: Array<[field: string, from: string | null, to: string | null]>): Promise<void> {
  const rows = changes.filter(([, from, to]) => from !== to);
  if (rows.length === 0) return;
  await tx.ticketHistory.createMany({ data: rows.map(([field, fromValue, toValue]) => ({ ticketId, field, fromValue, toValue, by, at })) });
}

async function requireQueue(tx: Tx, queueId: string) {
  const q = await tx.queue.findUnique({ where: { id: queueId } });
  if (!q) throw new HttpProblem(422, 'Unknown queue', `no queue ${queueId}`, { field: 'queueId' });
  return q;
}

// ---- open ------------------------------------------------------------------------------------------------

export async function openTicketTx(tx: Tx, input: OpenInput, actor: Actor, now = new Date()): Promise<Ticket> {
  const queueId = input.queueId ?? DEFAULT_QUEUE_ID;
  await requireQueue(tx, queueId);
  const id = newId('tkt');
  const ticket = await tx.ticket.create({
    data: {
      id,
      customerId: input.customerId,
      channel: input.channel,
      originInteractionId: input.originInteractionId ?? null,
      subject: input.subject,
      description: input.description ?? null,
      category: input.category,
      priority: input.priority,
      tags: [...new Set(input.tags)].sort(),
      status: 'new',
      queueId,
      statusChangedAt: now,
      createdAt: now,
      updatedAt: now,
    },
  });
  await recordHistory(tx, id, actor.sub, now, [['status', null, 'new'], ['priority', null, input.priority], ['queue', null, queueId], ['category', null, input.category]]);
  const ev = await refreshSla(tx, ticket, now.getTime());
  await publishers.opened(tx, {
    ticketId: id,
    customerId: input.customerId,
    priority: input.priority,
    category: input.category,
    channel: input.channel,
    originInteractionId: input.originInteractionId,
    queueId,
    tags: ticket.tags,
    firstResponseDueAt: ev?.states.first_response.dueAt != null ? new Date(ev.states.first_response.dueAt).toISOString() : undefined,
    resolutionDueAt: ev?.states.resolution.dueAt != null ? new Date(ev.states.resolution.dueAt).toISOString() : undefined,
  }, actor);
  if (input.autoAssign) await assignTx(tx, id, { queueId }, actor, now);
  return tx.ticket.findUniqueOrThrow({ where: { id } });
}

export async function openTicket(db: Db, input: OpenInput, actor: Actor): Promise<TicketView> {
  return db.$transaction(async (tx) => ticketView(await openTicketTx(tx, input, actor), []));
}

// ---- read ------------------------------------------------------------------------------------------------

export async function getTicket(db: Db, id: string, audience: Audience): Promise<TicketView> {
  const t = await db.ticket.findUnique({ where: { id }, include: { messages: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } });
  if (!t) throw new HttpProblem(404, 'Ticket not found', `no ticket ${id}`);
  return ticketView(t, t.messages, audience);
}

export async function ticketHistory(db: Db, id: string) {
  if (!(await db.ticket.findUnique({ where: { id }, select: { id: true } }))) throw new HttpProblem(404, 'Ticket not found', `no ticket ${id}`);
  const rows = await db.ticketHistory.findMany({ where: { ticketId: id }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ field: r.field, from: r.fromValue, to: r.toValue, by: r.by, at: r.at.toISOString() }));
}

export interface ListQuery {
  view: 'all' | 'mine' | 'unassigned' | 'about_to_breach';
  queueId?: string | undefined;
  status?: TicketStatus | undefined;
  customerId?: string | undefined;
  assigneeId?: string | undefined;
  withinMinutes: number;
  cursor?: string | undefined;
  limit: number;
}

/** Queue views, sorted by due time (earliest first, tickets without a running deadline last), then id. */
export async function listTickets(db: Db, q: ListQuery, caller: string, now = Date.now()) {
  const where: Prisma.TicketWhereInput[] = [];
  if (q.queueId) where.push({ queueId: q.queueId });
  if (q.customerId) where.push({ customerId: q.customerId });
  if (q.assigneeId) where.push({ assigneeId: q.assigneeId });
  if (q.status) where.push({ status: q.status });
  else if (q.view !== 'all') where.push({ status: { in: [...activeStatuses] } });
  if (q.view === 'mine') where.push({ assigneeId: caller });
  if (q.view === 'unassigned') where.push({ assigneeId: null });
  if (q.view === 'about_to_breach') where.push({ nextDueAt: { not: null, lte: new Date(now + q.withinMinutes * 60_000) } });
  if (q.cursor) {
    const c = decodeCursor(q.cursor) as { d: string | null; id: string };
    if (typeof c?.id !== 'string') throw new HttpProblem(400, 'Bad cursor', 'cursor is not one this API returned');
    where.push(c.d === null
      ? { nextDueAt: null, id: { gt: c.id } }
      : { OR: [{ nextDueAt: { gt: new Date(c.d) } }, { nextDueAt: new Date(c.d), id: { gt: c.id } }, { nextDueAt: null }] });
  }
  const rows = await db.ticket.findMany({
    where: { AND: where },
    orderBy: [{ nextDueAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((t) => ticketView(t)),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ d: iso(last.nextDueAt), id: last.id }) : null,
  };
}

// ---- assignment ------------------------------------------------------------------------------------------

export interface AssignInput {
  agentId?: string | undefined;
  queueId?: string | undefined;
}

/** Pick an agent of the queue by its strategy; null when nobody is eligible. */
export async function pickAgent(tx: Tx, queue: { skills: string[]; strategy: string }, exclude: string[] = []): Promise<string | null> {
  const agents = await tx.agent.findMany();
  if (agents.length === 0) return null;
  const loads = await tx.ticket.groupBy({ by: ['assigneeId'], where: { assigneeId: { in: agents.map((a) => a.id) }, status: { in: [...activeStatuses] } }, _count: { _all: true } });
  const load = new Map(loads.map((l) => [l.assigneeId, l._count._all]));
  const chosen = chooseAgent(
    agents.map((a) => ({ id: a.id, skills: a.skills, capacity: a.capacity, available: a.available, openCount: load.get(a.id) ?? 0, lastAssignedAt: a.lastAssignedAt?.getTime() ?? null })),
    { strategy: queue.strategy as AssignmentStrategy, requiredSkills: queue.skills, excludeAgentIds: exclude },
  );
  return chosen?.id ?? null;
}

/**
 * Assign inside the caller's transaction: a named agent (manual), or the queue's rule (round-robin /
 * least-loaded among available agents with the queue's skills). Returns false when the rule found nobody.
 */
export async function assignTx(tx: Tx, id: string, input: AssignInput, actor: Actor, now: Date, method?: 'manual' | 'escalation', expectedVersion?: number): Promise<Ticket> {
  const t = await lockTicket(tx, id);
  checkVersion(t, expectedVersion);
  if (t.status === 'closed') throw new HttpProblem(409, 'Ticket closed', `ticket ${id} is closed`);
  const queue = await requireQueue(tx, input.queueId ?? t.queueId ?? DEFAULT_QUEUE_ID);
  let agentId: string | null;
  let how: 'manual' | 'escalation' | 'round_robin' | 'least_loaded';
  if (input.agentId) {
    const agent = await tx.agent.findUnique({ where: { id: input.agentId } });
    if (!agent) throw new HttpProblem(422, 'Unknown agent', `no agent ${input.agentId}`, { field: 'agentId' });
    agentId = agent.id;
    how = method ?? 'manual';
  } else {
    agentId = await pickAgent(tx, queue, t.assigneeId ? [t.assigneeId] : []);
    how = method ?? (queue.strategy as 'round_robin' | 'least_loaded');
    if (!agentId && method !== 'escalation') {
      throw new HttpProblem(409, 'No eligible agent', `no available agent with skills [${queue.skills.join(', ')}] and free capacity in queue ${queue.id}`);
    }
  }
  if (agentId === t.assigneeId && queue.id === t.queueId) return t;
  const updated = await tx.ticket.update({ where: { id }, data: { assigneeId: agentId, queueId: queue.id, version: { increment: 1 }, updatedAt: now } });
  if (agentId) await tx.agent.update({ where: { id: agentId }, data: { lastAssignedAt: now } });
  await recordHistory(tx, id, actor.sub, now, [['queue', t.queueId, queue.id], ['assignee', t.assigneeId, agentId]]);
  await publishers.assigned(tx, { ticketId: id, customerId: t.customerId, queueId: queue.id, agentId, previousAgentId: t.assigneeId, method: how }, actor);
  return updated;
}

export async function assignTicket(db: Db, id: string, input: AssignInput, actor: Actor, expectedVersion?: number): Promise<TicketView> {
  return db.$transaction(async (tx) => {
    const t = await assignTx(tx, id, input, actor, new Date(), undefined, expectedVersion);
    await refreshSla(tx, t, Date.now());
    return ticketView(await tx.ticket.findUniqueOrThrow({ where: { id } }));
  });
}

// ---- messages --------------------------------------------------------------------------------------------

export async function addMessage(db: Db, id: string, body: string, visibility: 'public' | 'internal', actor: Actor) {
  return db.$transaction(async (tx) => {
    const t = await lockTicket(tx, id);
    if (t.status === 'closed') throw new HttpProblem(409, 'Ticket closed', `ticket ${id} is closed; open a new ticket`);
    const now = new Date();
    const authorType = actor.kind ?? 'agent';
    const message = await tx.ticketMessage.create({ data: { id: newId('rpl'), ticketId: id, visibility, authorType, authorId: actor.sub, body, createdAt: now } });
    const agentPublic = visibility === 'public' && authorType === 'agent';
    const firstResponse = agentPublic && t.firstPublicReplyAt === null;
    const data: Prisma.TicketUpdateInput = { version: { increment: 1 }, updatedAt: now };
    if (agentPublic) {
      data.publicReplyCount = { increment: 1 };
      if (t.firstResolvedAt === null) data.repliesBeforeResolve = { increment: 1 };
      if (firstResponse) data.firstPublicReplyAt = now;
    }
    let updated = await tx.ticket.update({ where: { id }, data });
    await publishers.replied(tx, { ticketId: id, customerId: t.customerId, replyId: message.id, visibility, authorType, agentId: authorType === 'agent' ? actor.sub : undefined, firstResponse }, actor);
    if (firstResponse) await recordHistory(tx, id, actor.sub, now, [['first_response', null, message.id]]);
    // The customer answered: the ticket is back with the team (and the paused clock runs again).
    if (authorType === 'customer' && t.status === 'pending_customer') updated = await applyStatus(tx, updated, 'open', actor, now, defaultLifecyclePolicy);
    await refreshSla(tx, updated, now.getTime());
    return messageView(message);
  });
}

// ---- status ----------------------------------------------------------------------------------------------

async function applyStatus(tx: Tx, t: Ticket, to: TicketStatus, actor: Actor, now: Date, policy: LifecyclePolicy, resolutionCode?: string): Promise<Ticket> {
  const result = transition(
    { status: t.status as TicketStatus, statusChangedAt: t.statusChangedAt.getTime(), resolvedAt: t.resolvedAt?.getTime() ?? null, closedAt: t.closedAt?.getTime() ?? null, reopenCount: t.reopenCount },
    to,
    Math.max(now.getTime(), t.statusChangedAt.getTime()),
    actor.sub,
    policy,
  );
  if (!result.ok) {
    throw new HttpProblem(409, 'Illegal status transition', `a ${result.from} ticket cannot become ${result.to} (${result.reason})`, {
      from: result.from,
      to: result.to,
      reason: result.reason,
      allowed: allowedTransitions(result.from),
    });
  }
  const n = result.next;
  const at = new Date(n.statusChangedAt);
  const data: Prisma.TicketUpdateInput = { status: n.status, statusChangedAt: at, reopenCount: n.reopenCount, version: { increment: 1 }, updatedAt: at };
  if (to === 'resolved') {
    data.resolvedAt = at;
    if (t.firstResolvedAt === null) data.firstResolvedAt = at;
  }
  if (to === 'closed') data.closedAt = at;
  const reopened = result.events.some((e) => e.type === 'reopened');
  if (reopened) {
    data.reopenedAt = at;
    data.resolvedAt = null;
  }
  const updated = await tx.ticket.update({ where: { id: t.id }, data });
  await recordHistory(tx, t.id, actor.sub, at, [['status', t.status, to]]);
  const ref = { ticketId: t.id, customerId: t.customerId };
  await publishers.statusChanged(tx, { ...ref, from: t.status as TicketStatus, to }, actor);

  if (to === 'resolved') {
    const ev = await refreshSla(tx, updated, at.getTime());
    const fr = ev?.states.first_response;
    const res = ev?.states.resolution;
    await publishers.resolved(tx, {
      ...ref,
      resolvedAt: at.toISOString(),
      resolutionCode,
      queueId: updated.queueId ?? undefined,
      agentId: updated.assigneeId ?? undefined,
      priority: updated.priority as 'P1',
      firstResponseSeconds: fr && updated.firstPublicReplyAt ? Math.floor(fr.elapsedMs / 1000) : undefined,
      resolutionSeconds: res ? Math.floor(res.elapsedMs / 1000) : Math.floor((at.getTime() - t.createdAt.getTime()) / 1000),
      firstContactResolution: updated.reopenCount === 0 && updated.repliesBeforeResolve <= 1,
      slaMet: !(fr?.breached || res?.breached),
    }, actor);
    // CSAT: ask the customer how it went (a sender subscribed to the topic delivers the survey).
    if (!(await tx.satisfactionRating.findUnique({ where: { ticketId: t.id } }))) {
      await publishers.satisfactionRequested(tx, { ...ref, requestedAt: at.toISOString(), queueId: updated.queueId ?? undefined, agentId: updated.assigneeId ?? undefined }, actor);
    }
  } else if (to === 'closed') {
    await publishers.closed(tx, { ...ref, closedAt: at.toISOString() }, actor);
  } else if (reopened) {
    await publishers.reopened(tx, { ...ref, reopenCount: n.reopenCount }, actor);
  }
  return updated;
}

export async function changeStatus(db: Db, id: string, to: TicketStatus, actor: Actor, opts: { expectedVersion?: number | undefined; resolutionCode?: string | undefined; lifecycle?: LifecyclePolicy | undefined; onlyFrom?: TicketStatus[] } = {}): Promise<TicketView> {
  return db.$transaction(async (tx) => {
    const t = await lockTicket(tx, id);
    checkVersion(t, opts.expectedVersion);
    if (opts.onlyFrom && !opts.onlyFrom.includes(t.status as TicketStatus)) {
      throw new HttpProblem(409, 'Illegal status transition', `only a ${opts.onlyFrom.join(' or ')} ticket can become ${to} this way; this one is ${t.status}`, {
        from: t.status, to, reason: 'not_in_table', allowed: allowedTransitions(t.status as TicketStatus),
      });
    }
    const now = new Date();
    const updated = await applyStatus(tx, t, to, actor, now, opts.lifecycle ?? defaultLifecyclePolicy, opts.resolutionCode);
    await refreshSla(tx, updated, Math.max(now.getTime(), updated.statusChangedAt.getTime()));
    return ticketView(await tx.ticket.findUniqueOrThrow({ where: { id } }));
  });
}

// ---- satisfaction ----------------------------------------------------------------------------------------

export async function rateTicket(db: Db, id: string, rating: number, comment: string | undefined, actor: Actor) {
  try {
    return await db.$transaction(async (tx) => {
      const t = await lockTicket(tx, id);
      if (t.status !== 'resolved' && t.status !== 'closed') {
        throw new HttpProblem(409, 'Not resolved', `ticket ${id} is ${t.status}; ratings are taken once it is resolved`);
      }
      if (await tx.satisfactionRating.findUnique({ where: { ticketId: id } })) throw new HttpProblem(409, 'Already rated', `ticket ${id} has a rating`);
      const r = await tx.satisfactionRating.create({ data: { ticketId: id, customerId: t.customerId, rating, comment: comment ?? null } });
      await recordHistory(tx, id, actor.sub, r.ratedAt, [['satisfaction', null, String(rating)]]);
      await publishers.satisfactionRated(tx, { ticketId: id, customerId: t.customerId, rating, ratedAt: r.ratedAt.toISOString(), queueId: t.queueId ?? undefined, agentId: t.assigneeId ?? undefined }, actor);
      return { ticketId: id, rating, comment: r.comment, ratedAt: r.ratedAt.toISOString() };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new HttpProblem(409, 'Already rated', `ticket ${id} has a rating`);
    throw err;
  }
}
