// Journey runner: feeds customer events to active instances and triggers new ones, persists each
// instance's state and wake time, and lets a DB-driven scheduler claim due instances
// (FOR UPDATE SKIP LOCKED) — no in-memory timers, so a restart loses nothing. Send steps become
// journey_send rows (decided by the send policy at that moment) that a dispatcher delivers.
import { newId, type journeyExitReasons } from '@crm/contracts';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  advance,
  builtInJourneys,
  JourneyDefinitionSchema,
  JourneyInstanceSchema,
  matchesTrigger,
  render,
  start,
  type AdvanceResult,
  type JourneyDefinition,
  type JourneyEvent,
  type SendAction,
  type Template,
} from '../domain/index.ts';
import type { Db, Tx } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Delivery } from '../delivery/index.ts';
import { publishers, publishSendStep, type Trace } from '../events/publish.ts';
import { toFacts, type FactsRow } from './facts.ts';
import { contractReason, decideFor, templateValues } from './sending.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A stable jrn_ id for a journey key (events name journeys by id; the definitions are keyed by code). */
export function journeyIdOf(key: string): string {
  const digest = createHash('sha256').update(`journey:${key}`).digest();
  let out = '0';
  for (let i = 0; i < 25; i++) out += CROCKFORD[digest[i]! % 32];
  return `jrn_${out}`;
}

/** Put the built-in journeys of the contact cycle into the definitions table (idempotent). */
export async function syncJourneyDefinitions(db: Db): Promise<void> {
  for (const def of builtInJourneys) {
    await db.journeyDefinition.upsert({
      where: { key: def.key },
      create: { key: def.key, version: def.version, name: def.name, definition: def },
      update: { version: def.version, name: def.name, definition: def },
    });
  }
}

const definitionsOfTx = new WeakMap<object, Promise<JourneyDefinition[]>>();
/** Active definitions, read once per transaction (a consumer batch is one transaction). */
function definitions(tx: Tx): Promise<JourneyDefinition[]> {
  let cached = definitionsOfTx.get(tx);
  if (!cached) {
    cached = tx.journeyDefinition.findMany({ where: { active: true } }).then((rows) => rows.map((r) => JourneyDefinitionSchema.parse(r.definition)));
    definitionsOfTx.set(tx, cached);
  }
  return cached;
}

type ExitReason = (typeof journeyExitReasons)[number];
function exitReason(reason: string | null): ExitReason {
  if (!reason) return 'manual';
  if (reason === 'exit_on:churn_risk.cleared') return 'risk_cleared';
  if (reason === 'exit_on:purchase.completed') return 'purchase';
  if (reason.startsWith('exit_if:')) return 'goal_reached';
  if (reason === 'customer_erased' || reason === 'customer_merged' || reason === 'consent_withdrawn') return reason;
  return 'manual';
}

/** Default message texts of the built-in journeys' templates. */
const journeyTemplates: Record<string, Template> = Object.fromEntries(
  [
    ['welcome', 'Welcome!', 'Hello {{firstName|there}}, welcome aboard.'],
    ['welcome_first_order_nudge', 'Ready for your first order?', 'Hello {{firstName|there}}, your first order is waiting.'],
    ['first_purchase_thanks', 'Thank you for your order', 'Thank you {{firstName|}}! You now have {{points}} points.'],
    ['birthday_greeting', 'Happy birthday!', 'Happy birthday {{firstName|}}!'],
    ['csat_followup', 'We are sorry', 'Hello {{firstName|there}}, we would like to make it right.'],
    ['win_back_offer', 'We miss you', 'Hello {{firstName|there}}, here is something for you.'],
    ['win_back_reminder', 'Still thinking?', 'Your offer is waiting, {{firstName|there}}.'],
    ['win_back_last_chance', 'Last chance', 'Your offer ends soon, {{firstName|there}}.'],
  ].map(([key, subject, body]) => [key!, { key: key!, format: 'text' as const, subject, body: body! }]),
);

/** Save the instance's next state (unless `written`: the caller already stored exactly it) and carry out its actions. */
async function persist(tx: Tx, r: AdvanceResult, now: Date, trace: Trace, written = false) {
  const s = r.nextState;
  if (!written) {
    await tx.journeyInstance.update({
      where: { id: s.instanceId },
      data: { status: s.status, state: s as unknown as Prisma.InputJsonObject, wakeAt: r.wakeAt, updatedAt: now },
    });
  }
  const journeyId = journeyIdOf(s.journeyKey);
  for (const a of r.actions) await queueSend(tx, a, now, trace);
  if (r.exited) await publishers.journeyExited(tx, { journeyId, enrollmentId: s.instanceId, customerId: s.customerId, reason: exitReason(s.exitReason) }, trace);
  if (r.completed) await publishers.journeyExited(tx, { journeyId, enrollmentId: s.instanceId, customerId: s.customerId, reason: 'completed' }, trace);
}

async function queueSend(tx: Tx, a: SendAction, now: Date, trace: Trace) {
  const { decision } = await decideFor(tx, a.customerId, a.channel, a.purpose, { frequencyCap: undefined }, now);
  const id = newId('msg');
  const n = await tx.journeySend.createMany({
    data: [{
      id,
      idempotencyKey: a.idempotencyKey,
      instanceId: a.instanceId,
      journeyKey: a.journeyKey,
      customerId: a.customerId,
      template: a.template,
      channel: a.channel,
      status: decision.send ? 'queued' : 'skipped',
      skipReason: decision.send ? null : decision.reason,
      createdAt: now,
    }],
    skipDuplicates: true,
  });
  if (n.count === 0) return;
  const journeyId = journeyIdOf(a.journeyKey);
  await publishSendStep(
    tx,
    { journeyId, enrollmentId: a.instanceId, customerId: a.customerId, stepCode: `send.${a.template}`, messageId: id },
    decision.send ? null : { messageId: id, customerId: a.customerId, channel: a.channel, journeyId, reason: contractReason(decision.reason) },
    trace,
  );
}

/**
 * Feed one customer event: advance live instances, then enrol in journeys it triggers. `facts`: the
 * customer's facts as this event left them, when the caller has them (a batch may have written later ones).
 */
export async function feedJourneys(tx: Tx, event: JourneyEvent, now: Date, trace: Trace = {}, facts?: FactsRow): Promise<void> {
  const defs = await definitions(tx);
  const factsRow = facts ?? (await tx.customerFacts.findUnique({ where: { customerId: event.customerId } }));
  if (factsRow?.erasedAt) return;
  const domainFacts = factsRow ? toFacts(factsRow) : undefined;
  // One statement: lock the customer's instances (in id order, as every writer does) with the state of the
  // live ones; the enrolment history below is the same rows after the live ones advanced.
  const mine = await tx.$queryRawUnsafe<{ id: string; journey_key: string; status: string; state: unknown }[]>(
    `SELECT id, journey_key, status, CASE WHEN status IN ('active','waiting') THEN state END AS state
       FROM journey_instance WHERE customer_id = $1 ORDER BY id FOR UPDATE`,
    event.customerId,
  );
  for (const inst of mine) {
    if (inst.status !== 'active' && inst.status !== 'waiting') continue;
    const def = defs.find((d) => d.key === inst.journey_key);
    if (!def) continue;
    const state = typeof inst.state === 'string' ? JSON.parse(inst.state) : inst.state;
    const r = advance(JourneyInstanceSchema.parse(state), def, now, event, domainFacts ? { facts: domainFacts } : {});
    await persist(tx, r, now, trace);
    inst.status = r.nextState.status;
  }
  const triggered = defs.filter((d) => matchesTrigger(d, event));
  const history = mine.map((m) => ({ journeyKey: m.journey_key, status: m.status }));
  for (const def of triggered) {
    const previous = history.filter((h) => h.journeyKey === def.key);
    const instanceId = newId('enr');
    const r = start(def, event, now, instanceId, previous as { status: 'active' }[], domainFacts ? { facts: domainFacts } : {});
    if (!r) continue;
    // Inserted live (the unique index on live instances turns a second enrolment into a no-op) with its
    // first state and wake time already; only a journey that ends at once needs its status written after.
    const created = await tx.$executeRawUnsafe(
      `INSERT INTO journey_instance (id, journey_key, customer_id, status, state, wake_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'active', $4::jsonb, $6, $5, $5) ON CONFLICT DO NOTHING`,
      instanceId, def.key, event.customerId, JSON.stringify(r.nextState), now, r.wakeAt,
    );
    if (created === 0) continue;
    await publishers.journeyEnrolled(tx, { journeyId: journeyIdOf(def.key), enrollmentId: instanceId, customerId: event.customerId, journeyCode: def.key, triggerEventId: event.id }, trace);
    await persist(tx, r, now, trace, r.nextState.status === 'active');
  }
}

/** Leave every live journey (erasure, merge, manual). */
export async function exitAllJourneys(tx: Tx, customerId: string, reason: 'customer_erased' | 'customer_merged', now: Date, trace: Trace = {}) {
  const live = await tx.journeyInstance.findMany({ where: { customerId, status: { in: ['active', 'waiting'] } } });
  for (const inst of live) {
    const state = { ...(inst.state as object), status: 'exited', exitReason: reason, wakeAt: null, waitingFor: null, updatedAt: now.toISOString() };
    await tx.journeyInstance.update({ where: { id: inst.id }, data: { status: 'exited', state, wakeAt: null, updatedAt: now } });
    await publishers.journeyExited(tx, { journeyId: journeyIdOf(inst.journeyKey), enrollmentId: inst.id, customerId, reason }, trace);
  }
  await tx.journeySend.updateMany({ where: { customerId, status: 'queued' }, data: { status: 'skipped', skipReason: 'erased' } });
}

/** Claim instances whose wait is due and advance them. Returns how many were advanced. */
export async function wakeDueJourneys(db: Db, now: Date, limit = 100): Promise<number> {
  return db.$transaction(async (tx) => {
    const due = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM journey_instance WHERE status IN ('active','waiting') AND wake_at <= $1
        ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      now, limit,
    );
    if (due.length === 0) return 0;
    const defs = await definitions(tx);
    for (const { id } of due) {
      const inst = await tx.journeyInstance.findUniqueOrThrow({ where: { id } });
      const def = defs.find((d) => d.key === inst.journeyKey);
      if (!def) continue;
      const factsRow = await tx.customerFacts.findUnique({ where: { customerId: inst.customerId } });
      const r = advance(JourneyInstanceSchema.parse(inst.state), def, now, undefined, factsRow ? { facts: toFacts(factsRow) } : {});
      await persist(tx, r, now, {});
    }
    return due.length;
  }, { timeout: 60_000 });
}

/** Deliver queued journey messages: claim (queued → sending, committed), send, record. */
export async function dispatchJourneySends(db: Db, delivery: Delivery, logger: Logger, limit = 50): Promise<number> {
  const claimed = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM journey_send WHERE status = 'queued' ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      limit,
    );
    if (rows.length === 0) return [];
    await tx.journeySend.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { status: 'sending' } });
    return tx.journeySend.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
  });
  for (const s of claimed) {
    const row = await db.customerFacts.findUnique({ where: { customerId: s.customerId } });
    const template = journeyTemplates[s.template];
    if (!row || row.erasedAt || !template) {
      await db.journeySend.update({ where: { id: s.id }, data: { status: 'skipped', skipReason: row?.erasedAt ? 'erased' : 'no_contact_point' } });
      continue;
    }
    const rendered = render(template, await templateValues(db as unknown as Tx, row));
    const outcome = await delivery.send({
      messageId: s.id,
      customerId: s.customerId,
      channel: s.channel as 'email',
      to: { email: row.email, phone: row.phone },
      subject: rendered.subject,
      body: rendered.body,
      html: false,
    });
    const at = new Date();
    await db.$transaction(async (tx) => {
      const ok = outcome.status === 'sent' || outcome.status === 'exported';
      await tx.journeySend.update({ where: { id: s.id }, data: { status: ok ? 'sent' : outcome.status, sentAt: ok ? at : null } });
      const ref = { messageId: s.id, customerId: s.customerId, channel: s.channel as 'email', journeyId: journeyIdOf(s.journeyKey) };
      if (ok) await publishers.messageSent(tx, { ...ref, sentAt: at.toISOString() });
      else if (outcome.status === 'bounced') await publishers.messageBounced(tx, { ...ref, bounceType: 'hard', bouncedAt: at.toISOString() });
      else logger.warn({ messageId: s.id, error: 'error' in outcome ? outcome.error : undefined }, 'journey message failed');
    });
  }
  return claimed.length;
}

export async function listDefinitions(db: Db) {
  const rows = await db.journeyDefinition.findMany({ orderBy: { key: 'asc' } });
  return rows.map((r) => ({ key: r.key, journeyId: journeyIdOf(r.key), version: r.version, name: r.name, active: r.active, definition: r.definition as JourneyDefinition }));
}

export async function customerInstances(db: Db, customerId: string) {
  const rows = await db.journeyInstance.findMany({ where: { customerId }, orderBy: { createdAt: 'desc' }, take: 100 });
  return rows.map((r) => ({
    enrollmentId: r.id,
    journeyKey: r.journeyKey,
    status: r.status,
    wakeAt: r.wakeAt?.toISOString() ?? null,
    state: r.state as Record<string, unknown>,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
