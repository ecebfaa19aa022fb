// SLA state of a ticket from the database: policy and calendar lookup, status history, the pure clock,
// and the stored instants (due times, next due, next scheduler check) kept in step with it.
import { HttpProblem } from '@crm/service-kit';
import type { Db, Tx } from '../db.ts';
import type { Ticket } from '../generated/prisma/client.ts';
import {
  computeSla,
  EscalationRuleSchema,
  nextDeadline,
  nextSlaCheck,
  parseCalendar,
  selectPolicy,
  SlaPolicySchema,
  TicketStatusSchema,
  type BusinessCalendar,
  type EscalationRule,
  type Priority,
  type SlaMetric,
  type SlaPolicy,
  type SlaStates,
  type StatusChange,
} from '../domain/index.ts';

type Client = Tx | Db;

export interface SlaContext {
  policy: SlaPolicy;
  calendar: BusinessCalendar;
}

export async function loadPolicies(tx: Client): Promise<SlaPolicy[]> {
  const rows = await tx.slaPolicy.findMany({ orderBy: { id: 'asc' } });
  return rows.map((r) => SlaPolicySchema.parse({ ...r, name: r.name, category: r.category }));
}

export async function slaContextFor(tx: Client, priority: string, category: string | null): Promise<SlaContext | null> {
  const policy = selectPolicy(await loadPolicies(tx), priority as Priority, category);
  if (!policy) return null;
  const cal = await tx.businessCalendar.findUnique({ where: { id: policy.calendarId } });
  if (!cal) return null;
  return { policy, calendar: parseCalendar({ id: cal.id, name: cal.name, timeZone: cal.timeZone, workingHours: cal.workingHours, holidays: cal.holidays }) };
}

export async function statusHistory(tx: Client, ticketId: string): Promise<StatusChange[]> {
  const rows = await tx.ticketHistory.findMany({ where: { ticketId, field: 'status' }, orderBy: { id: 'asc' }, select: { toValue: true, at: true } });
  return rows.filter((r) => r.toValue !== null).map((r) => ({ status: TicketStatusSchema.parse(r.toValue), at: r.at.getTime() }));
}

export async function activeRules(tx: Client): Promise<EscalationRule[]> {
  const rows = await tx.escalationRule.findMany({ where: { active: true }, orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  return rows.map((r) => EscalationRuleSchema.parse(r.rule));
}

export interface Evaluation {
  ctx: SlaContext;
  states: SlaStates;
  history: StatusChange[];
}

export async function evaluate(tx: Client, ticket: Ticket, now: number): Promise<Evaluation | null> {
  const ctx = await slaContextFor(tx, ticket.priority, ticket.category);
  if (!ctx) return null;
  const history = await statusHistory(tx, ticket.id);
  const states = computeSla(ctx.calendar, ctx.policy, {
    createdAt: ticket.createdAt,
    statusHistory: history,
    firstPublicReplyAt: ticket.firstPublicReplyAt,
    now,
  });
  return { ctx, states, history };
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * Recompute the SLA of a ticket and store its due instants and the next instant the scheduler must look
 * at it. Called in the transaction of every change that can move the clock (open, reply, status, priority).
 */
export async function refreshSla(tx: Tx, ticket: Ticket, now: number): Promise<Evaluation | null> {
  const ev = await evaluate(tx, ticket, now);
  if (!ev) {
    await tx.ticket.update({ where: { id: ticket.id }, data: { slaPolicyId: null, firstResponseDueAt: null, resolutionDueAt: null, nextDueAt: null, nextSlaCheckAt: null } });
    return null;
  }
  const [breaches, applied, rules] = await Promise.all([
    tx.slaBreach.findMany({ where: { ticketId: ticket.id }, select: { metric: true } }),
    tx.appliedEscalation.findMany({ where: { ticketId: ticket.id }, select: { key: true } }),
    activeRules(tx),
  ]);
  const next = nextSlaCheck({
    cal: ev.ctx.calendar,
    states: ev.states,
    rules,
    ticket: { priority: ticket.priority as Priority, category: ticket.category, queueId: ticket.queueId },
    applied: applied.map((a) => a.key),
    recordedBreaches: breaches.map((b) => b.metric as SlaMetric),
    now,
  });
  await tx.ticket.update({
    where: { id: ticket.id },
    data: {
      slaPolicyId: ev.ctx.policy.id,
      firstResponseDueAt: date(ev.states.first_response.dueAt),
      resolutionDueAt: date(ev.states.resolution.dueAt),
      nextDueAt: date(nextDeadline(ev.states)),
      nextSlaCheckAt: date(next),
    },
  });
  return ev;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The per-ticket SLA report of GET /v1/tickets/:id/sla. */
export async function slaReport(db: Db, ticketId: string, now = Date.now()) {
  const ticket = await db.ticket.findUnique({ where: { id: ticketId } });
  if (!ticket) throw new HttpProblem(404, 'Ticket not found', `no ticket ${ticketId}`);
  const ev = await evaluate(db, ticket, now);
  if (!ev) return { ticketId, policyId: null, calendarId: null, evaluatedAt: new Date(now).toISOString(), metrics: [], breaches: [], escalations: [] };
  const [breaches, escalations] = await Promise.all([
    db.slaBreach.findMany({ where: { ticketId }, orderBy: { breachedAt: 'asc' } }),
    db.appliedEscalation.findMany({ where: { ticketId }, orderBy: { level: 'asc' } }),
  ]);
  return {
    ticketId,
    policyId: ev.ctx.policy.id,
    calendarId: ev.ctx.calendar.id ?? ev.ctx.policy.calendarId,
    evaluatedAt: new Date(now).toISOString(),
    metrics: Object.values(ev.states).map((s) => ({
      metric: s.metric,
      state: s.state,
      targetMinutes: s.targetMs / 60_000,
      elapsedSeconds: Math.floor(s.elapsedMs / 1000),
      remainingSeconds: Math.trunc(s.remainingMs / 1000),
      pausedSeconds: Math.floor(s.pausedMs / 1000),
      paused: s.paused,
      dueAt: iso(s.dueAt),
      breachedAt: iso(s.breachedAt),
      stoppedAt: iso(s.stoppedAt),
    })),
    breaches: breaches.map((b) => ({ metric: b.metric, dueAt: b.dueAt.toISOString(), breachedAt: b.breachedAt.toISOString(), detectedAt: b.detectedAt.toISOString() })),
    escalations: escalations.map((e) => ({ key: e.key, ruleId: e.ruleId, level: e.level, appliedAt: e.appliedAt.toISOString() })),
  };
}
