// The SLA breach scheduler. Due instants live in the database (ticket.next_sla_check_at), so a restart
// loses nothing; each pass claims due tickets with SELECT … FOR UPDATE SKIP LOCKED in one transaction, so
// two instances never work on the same ticket at once; breach rows (ticket, metric) and applied
// escalation rows (ticket, key) have primary keys, so each fires exactly once even if a pass is repeated.
// The events (sla_breached, escalated, assigned) go to the outbox in that same transaction.
import { HttpProblem } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { Db, Tx } from '../db.ts';
import { escalationsDue, raisePriority, slaMetrics, type EscalationAction, type Priority } from '../domain/index.ts';
import { publishers } from '../events/publish.ts';
import { systemActor } from './context.ts';
import { activeRules, evaluate, refreshSla } from './sla.ts';
import { assignTx, recordHistory } from './tickets.ts';

export interface SlaSchedulerOptions {
  db: Db;
  logger: Logger;
  pollIntervalMs?: number;
  batchSize?: number;
  /** the scheduler's notion of now (tests move it forward instead of waiting hours) */
  clock?: () => number;
  /** a name for logs (which instance did what) */
  instance?: string;
}

export class SlaScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly clock: () => number;
  /** tickets this instance claimed and handled so far (a ticket handled twice would count twice) */
  claimed = 0;

  constructor(private readonly opts: SlaSchedulerOptions) {
    this.pollIntervalMs = opts.pollIntervalMs ?? 5_000;
    this.batchSize = opts.batchSize ?? 100;
    this.clock = opts.clock ?? Date.now;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.loop();
    }, delay);
  }

  private async loop(): Promise<void> {
    let processed = 0;
    try {
      processed = await this.runOnce();
    } catch (err) {
      this.opts.logger.error({ err, instance: this.opts.instance }, 'sla scheduler pass failed');
    }
    // a full batch means more may be due: go again at once
    this.schedule(processed >= this.batchSize ? 0 : this.pollIntervalMs);
  }

  /** One pass: claim due tickets and handle them in one transaction. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const now = this.clock();
    return this.opts.db.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM ticket
        WHERE next_sla_check_at IS NOT NULL AND next_sla_check_at <= ${new Date(now)}
        ORDER BY next_sla_check_at, id
        LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED`;
      for (const { id } of due) await checkTicket(tx, id, now, this.opts.logger);
      return due.length;
    }, { timeout: 60_000 }).then((n) => {
      this.claimed += n;
      return n;
    });
  }
}

/** Recompute one (locked) ticket's SLA: record breaches, apply due escalations, reschedule. */
export async function checkTicket(tx: Tx, id: string, now: number, logger?: Logger): Promise<void> {
  const actor = systemActor();
  let ticket = await tx.ticket.findUniqueOrThrow({ where: { id } });
  const ev = await evaluate(tx, ticket, now);
  if (!ev) {
    await refreshSla(tx, ticket, now);
    return;
  }
  const ref = { ticketId: ticket.id, customerId: ticket.customerId };

  for (const metric of slaMetrics) {
    const s = ev.states[metric];
    if (!s.breached || s.breachedAt === null) continue;
    const inserted = await tx.$executeRaw`
      INSERT INTO sla_breach (ticket_id, metric, due_at, breached_at, detected_at)
      VALUES (${id}, ${metric}, ${new Date(s.breachedAt)}, ${new Date(s.breachedAt)}, ${new Date(now)})
      ON CONFLICT DO NOTHING`;
    if (inserted === 0) continue;
    await recordHistory(tx, id, actor.sub, new Date(now), [['sla_breach', null, metric]]);
    await publishers.slaBreached(tx, {
      ...ref,
      metric,
      dueAt: new Date(s.breachedAt).toISOString(),
      breachedAt: new Date(s.breachedAt).toISOString(),
      priority: ticket.priority as Priority,
      queueId: ticket.queueId ?? undefined,
      agentId: ticket.assigneeId ?? undefined,
    }, actor);
    logger?.info({ ticketId: id, metric }, 'sla breached');
  }

  const applied = await tx.appliedEscalation.findMany({ where: { ticketId: id }, select: { key: true } });
  const due = escalationsDue(
    { priority: ticket.priority as Priority, category: ticket.category, queueId: ticket.queueId },
    ev.states,
    await activeRules(tx),
    applied.map((a) => a.key),
  );
  for (const esc of due) {
    const level = ticket.escalationLevel + 1;
    const inserted = await tx.$executeRaw`
      INSERT INTO applied_escalation (ticket_id, key, rule_id, level, applied_at)
      VALUES (${id}, ${esc.key}, ${esc.ruleId}, ${level}, ${new Date(now)})
      ON CONFLICT DO NOTHING`;
    if (inserted === 0) continue;
    const fromPriority = ticket.priority as Priority;
    const fromQueueId = ticket.queueId;
    let priority = fromPriority;
    for (const a of esc.actions) if (a.type === 'raise_priority') priority = raisePriority(priority, a.steps);
    ticket = await tx.ticket.update({ where: { id }, data: { priority, escalationLevel: level, version: { increment: 1 }, updatedAt: new Date(now) } });
    await recordHistory(tx, id, actor.sub, new Date(now), [['priority', fromPriority, priority], ['escalation', null, esc.key]]);
    const reassign = esc.actions.find((a): a is Extract<EscalationAction, { type: 'reassign' }> => a.type === 'reassign');
    if (reassign) {
      ticket = await assignTx(tx, id, { agentId: reassign.agentId, queueId: reassign.queueId }, actor, new Date(now), 'escalation').catch((err: unknown) => {
        // a rule naming a queue or agent that no longer exists must not block the breach: log and go on
        if (!(err instanceof HttpProblem)) throw err;
        logger?.warn({ err, ticketId: id, rule: esc.ruleId }, 'escalation reassignment failed');
        return ticket;
      });
    }
    const rule = esc.actions.filter((a) => a.type === 'notify').map((a) => (a as { target: string }).target);
    await publishers.escalated(tx, {
      ...ref,
      level,
      reason: ev.states[esc.metric].breached ? 'sla_breach' : 'sla_warning',
      fromPriority,
      toPriority: priority,
      fromQueueId: fromQueueId ?? undefined,
      toQueueId: ticket.queueId !== fromQueueId ? ticket.queueId ?? undefined : undefined,
      toAgentId: reassign ? ticket.assigneeId ?? undefined : undefined,
    }, actor);
    logger?.info({ ticketId: id, rule: esc.ruleId, level, notify: rule }, 'ticket escalated');
  }
  await refreshSla(tx, ticket, now);
}
