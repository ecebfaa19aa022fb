// The SLA breach scheduler against the real database and broker: a breach is detected and escalated exactly
// once across a restart of the scheduler, and exactly once when two instances run at the same time on the
// same database. The schedulers' clocks run ahead of the wall clock so a 30-minute target passes at once.
import { newId, parseEvent } from '@crm/contracts';
import { collectMessages } from '@crm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlaScheduler } from '../../src/application/sla-scheduler.ts';
import { createPrisma } from '../../src/db.ts';
import { bearer, logger, startTicketingService, unique, waitFor, type TicketingService } from './harness.ts';

let svc: TicketingService;
let agent: Record<string, string>;
let admin: Record<string, string>;
const category = `slatest-${unique()}`;
let escalationQueue: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  svc = await startTicketingService();
  agent = bearer(svc.token('agent'));
  admin = bearer(svc.token('admin'));
  const post = async (url: string, payload: object) => {
    const res = await svc.app.inject({ method: 'POST', url, headers: admin, payload });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const full = [{ start: '00:00', end: '24:00' }];
  await post('/v1/calendars', { id: 'always', name: '24x7', timeZone: 'UTC', workingHours: { mon: full, tue: full, wed: full, thu: full, fri: full, sat: full, sun: full } });
  await post('/v1/sla-policies', { id: 'fast-p3', priority: 'P3', category, calendarId: 'always', firstResponseMinutes: 30, resolutionMinutes: 600 });
  await post('/v1/sla-policies', { id: 'fast-p2', priority: 'P2', category, calendarId: 'always', firstResponseMinutes: 20, resolutionMinutes: 600 });
  escalationQueue = (await post('/v1/queues', { name: `escalations-${unique()}` })).id;
  await post('/v1/escalation-rules', {
    id: `breach-${category}`,
    metric: 'first_response',
    trigger: { type: 'breach' },
    categories: [category],
    actions: [{ type: 'raise_priority', steps: 1 }, { type: 'reassign', queueId: escalationQueue }, { type: 'notify', target: 'queue_lead' }],
  });
}, 90_000);
afterAll(async () => svc?.close());

const open = async (customerId: string) => {
  const res = await svc.app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { customerId, subject: 'Broken', category, priority: 'P3' } });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; firstResponseDueAt: string };
};

const scheduler = (aheadMs: number, db = svc.db, instance = 'a') =>
  new SlaScheduler({ db, logger, pollIntervalMs: 100, batchSize: 5, clock: () => Date.now() + aheadMs, instance });

const outboxTypes = async (ticketIds: string[]) => {
  const rows = await svc.db.outboxEvent.findMany({ where: { type: { in: ['crm.ticket.sla_breached.v1', 'crm.ticket.escalated.v1'] } } });
  return rows.filter((r) => ticketIds.includes((r.payload as { data: { ticketId: string } }).data.ticketId)).map((r) => r.type).sort();
};

describe('SLA breach scheduler', () => {
  it('detects and escalates a breach exactly once across a restart', async () => {
    const customerId = newId('cus');
    const t = await open(customerId);
    expect(Date.parse(t.firstResponseDueAt) - Date.now()).toBeGreaterThan(25 * 60_000);

    // instance 1 runs on the wall clock: nothing is due yet, then it stops
    const first = scheduler(0);
    await first.start();
    await new Promise((r) => setTimeout(r, 500));
    await first.stop();
    expect(await svc.db.slaBreach.count({ where: { ticketId: t.id } })).toBe(0);
    const stored = await svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } });
    expect(stored.nextSlaCheckAt?.toISOString()).toBe(t.firstResponseDueAt);

    // instance 2 starts "two hours later": the due instant it finds in the database has passed
    const second = scheduler(2 * HOUR);
    await second.start();
    await waitFor(() => svc.db.appliedEscalation.count({ where: { ticketId: t.id } }), (n) => n === 1);
    await second.stop();

    const after = await svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } });
    expect(after).toMatchObject({ priority: 'P2', queueId: escalationQueue, escalationLevel: 1 });

    // instance 3, later still, finds nothing more to do for that metric
    const third = scheduler(3 * HOUR);
    await third.start();
    await new Promise((r) => setTimeout(r, 800));
    await third.stop();

    expect(await svc.db.slaBreach.findMany({ where: { ticketId: t.id } })).toMatchObject([{ metric: 'first_response' }]);
    expect(await outboxTypes([t.id])).toEqual(['crm.ticket.escalated.v1', 'crm.ticket.sla_breached.v1']);

    const sla = (await svc.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/sla`, headers: agent })).json();
    expect(sla.policyId).toBe('fast-p2');
    expect(sla.breaches).toMatchObject([{ metric: 'first_response', breachedAt: t.firstResponseDueAt }]);
    expect(sla.escalations).toMatchObject([{ ruleId: `breach-${category}`, level: 1 }]);

    // and on the topic: one breach, one escalation, one reassignment by escalation
    const messages = await collectMessages({ brokers: svc.brokers, topic: 'crm.ticket', count: 100, timeoutMs: 6_000, allowFewer: true, where: (m) => m.key === customerId });
    const events = messages.map((m) => parseEvent(m.value));
    expect(events.map((e) => e.type)).toEqual(['crm.ticket.opened.v1', 'crm.ticket.sla_breached.v1', 'crm.ticket.assigned.v1', 'crm.ticket.escalated.v1']);
    expect(events[1]!.data).toMatchObject({ ticketId: t.id, metric: 'first_response', priority: 'P3', breachedAt: t.firstResponseDueAt });
    expect(events[2]!.data).toMatchObject({ method: 'escalation', queueId: escalationQueue });
    expect(events[3]!.data).toMatchObject({ level: 1, reason: 'sla_breach', fromPriority: 'P3', toPriority: 'P2', toQueueId: escalationQueue });
  });

  it('fires each breach and escalation exactly once with two instances running at the same time', async () => {
    const customerId = newId('cus');
    const tickets = [];
    for (let i = 0; i < 30; i++) tickets.push(await open(customerId));
    const ids = tickets.map((t) => t.id);

    // two instances, each with its own connection pool, as two processes would have
    const otherDb = createPrisma(svc.database.url);
    const a = scheduler(2 * HOUR, svc.db, 'a');
    const b = scheduler(2 * HOUR, otherDb, 'b');
    await Promise.all([a.start(), b.start()]);
    try {
      await waitFor(() => svc.db.appliedEscalation.count({ where: { ticketId: { in: ids } } }), (n) => n >= 30, 30_000);
      await new Promise((r) => setTimeout(r, 500)); // let both run a few more passes
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await otherDb.$disconnect();
    }

    // every ticket was claimed exactly once in total (SKIP LOCKED + the rescheduled check instant)
    expect(a.claimed + b.claimed).toBe(30);
    expect(await svc.db.slaBreach.count({ where: { ticketId: { in: ids } } })).toBe(30);
    expect(await svc.db.appliedEscalation.count({ where: { ticketId: { in: ids } } })).toBe(30);
    const types = await outboxTypes(ids);
    expect(types.filter((t) => t === 'crm.ticket.sla_breached.v1')).toHaveLength(30);
    expect(types.filter((t) => t === 'crm.ticket.escalated.v1')).toHaveLength(30);
    const levels = await svc.db.ticket.findMany({ where: { id: { in: ids } }, select: { escalationLevel: true, priority: true } });
    expect(levels.every((l) => l.escalationLevel === 1 && l.priority === 'P2')).toBe(true);

    const messages = await collectMessages({ brokers: svc.brokers, topic: 'crm.ticket', count: 1000, timeoutMs: 8_000, allowFewer: true, where: (m) => m.key === customerId });
    const count = (type: string) => messages.filter((m) => (m.value as { type: string }).type === type).length;
    expect(count('crm.ticket.sla_breached.v1')).toBe(30);
    expect(count('crm.ticket.escalated.v1')).toBe(30);
    const breachedIds = messages.filter((m) => (m.value as { type: string }).type === 'crm.ticket.sla_breached.v1').map((m) => (m.value as { data: { ticketId: string } }).data.ticketId);
    expect(new Set(breachedIds)).toEqual(new Set(ids));
  });

  it('a percentage-of-target rule warns before the breach (notify only), then the breach is recorded', async () => {
    const cat = `warn-${unique()}`;
    const post = (url: string, payload: object) => svc.app.inject({ method: 'POST', url, headers: admin, payload });
    expect((await post('/v1/sla-policies', { id: `p-${cat}`, priority: 'P3', category: cat, calendarId: 'always', firstResponseMinutes: 30, resolutionMinutes: 600 })).statusCode).toBe(201);
    expect((await post('/v1/escalation-rules', { id: `r-${cat}`, metric: 'first_response', trigger: { type: 'percent_of_target', percent: 50 }, categories: [cat], actions: [{ type: 'notify', target: 'assignee' }] })).statusCode).toBe(201);
    const res = await svc.app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { customerId: newId('cus'), subject: 'Slow', category: cat, priority: 'P3' } });
    const t = res.json() as { id: string; createdAt: string };
    const created = Date.parse(t.createdAt);
    // the check instant is the 50% mark (15 minutes), not the deadline
    const row = await svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.nextSlaCheckAt?.getTime()).toBe(created + 15 * 60_000);

    const early = scheduler(20 * 60_000);
    await early.start();
    await waitFor(() => svc.db.appliedEscalation.count({ where: { ticketId: t.id } }), (n) => n === 1);
    await early.stop();
    expect(await svc.db.slaBreach.count({ where: { ticketId: t.id } })).toBe(0);
    const warned = await svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } });
    expect(warned).toMatchObject({ priority: 'P3', escalationLevel: 1 });
    expect(warned.nextSlaCheckAt?.getTime()).toBe(created + 30 * 60_000);
    const escalated = (await svc.db.outboxEvent.findMany({ where: { type: 'crm.ticket.escalated.v1' } })).map((r) => (r.payload as { data: Record<string, unknown> }).data).filter((d) => d.ticketId === t.id);
    expect(escalated).toMatchObject([{ reason: 'sla_warning', level: 1, fromPriority: 'P3', toPriority: 'P3' }]);

    const late = scheduler(40 * 60_000);
    await late.start();
    await waitFor(() => svc.db.slaBreach.count({ where: { ticketId: t.id } }), (n) => n === 1);
    await late.stop();
    expect(await svc.db.appliedEscalation.count({ where: { ticketId: t.id } })).toBe(1);
  });

  it('a breach that happened while no scheduler ran is still recorded when the reply came late', async () => {
    const customerId = newId('cus');
    const t = await open(customerId);
    // the agent answers; the scheduler only sees the ticket "an hour later", after the 30-minute target
    // ran out before the reply (simulated by moving the ticket's creation back)
    await svc.db.ticket.update({ where: { id: t.id }, data: { createdAt: new Date(Date.now() - HOUR) } });
    await svc.db.ticketHistory.updateMany({ where: { ticketId: t.id }, data: { at: new Date(Date.now() - HOUR) } });
    expect((await svc.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/replies`, headers: agent, payload: { body: 'sorry' } })).statusCode).toBe(201);
    const s = scheduler(0);
    await s.start();
    await waitFor(() => svc.db.slaBreach.count({ where: { ticketId: t.id } }), (n) => n === 1);
    await new Promise((r) => setTimeout(r, 300));
    await s.stop();
    // breach recorded, but no escalation: the metric had already stopped
    expect(await svc.db.appliedEscalation.count({ where: { ticketId: t.id } })).toBe(0);
    const row = await svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.priority).toBe('P3');
  });
});
