// Segment use cases: dynamic segments (a rule, membership kept current from events) and static ones
// (a snapshot: from a rule at creation time or imported from CSV).
import { newId } from '@crm/contracts';
import { HttpProblem, readRecords } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import { RuleSchema, type Rule } from '../domain/index.ts';
import type { Segment } from '../generated/prisma/client.ts';
import type { Db, Tx } from '../db.ts';
import type { Trace } from '../events/publish.ts';
import { applyMembership, previewRule, recomputeSegment, toFacts } from './facts.ts';
import { evaluate } from '../domain/index.ts';

export function segmentView(s: Segment, size: number) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    kind: s.kind as 'dynamic' | 'static',
    rule: (s.rule ?? null) as Rule | null,
    size,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

const LONG = { timeout: 300_000, maxWait: 10_000 };

export async function createSegment(db: Db, input: { name: string; description?: string | undefined; kind: 'dynamic' | 'static'; rule?: Rule | undefined }, actor: string, trace: Trace) {
  if (input.kind === 'dynamic' && !input.rule) throw HttpProblem.badRequest('a dynamic segment needs a rule', { errors: [{ path: 'body.rule', message: 'required for dynamic segments' }] });
  return db.$transaction(async (tx) => {
    const s = await tx.segment.create({
      data: { id: newId('seg'), name: input.name, description: input.description ?? null, kind: input.kind, rule: input.rule ?? undefined, createdBy: actor },
    });
    const now = new Date();
    if (input.kind === 'dynamic') await recomputeSegment(tx, { id: s.id, rule: input.rule! }, now, trace);
    else if (input.rule) await snapshot(tx, s.id, input.rule, now);
    return segmentView(s, await tx.segmentMember.count({ where: { segmentId: s.id } }));
  }, LONG);
}

/** A static segment from a rule: the members as of now, no events (static membership is not tracked). */
async function snapshot(tx: Tx, segmentId: string, rule: Rule, now: Date) {
  let cursor: string | undefined;
  for (;;) {
    const rows = await tx.customerFacts.findMany({ where: { erasedAt: null, mergedInto: null, ...(cursor ? { customerId: { gt: cursor } } : {}) }, orderBy: { customerId: 'asc' }, take: 2000 });
    if (rows.length === 0) break;
    const members = rows.filter((r) => evaluate(rule, toFacts(r), now)).map((r) => ({ segmentId, customerId: r.customerId, enteredAt: now }));
    if (members.length > 0) await tx.segmentMember.createMany({ data: members, skipDuplicates: true });
    cursor = rows[rows.length - 1]!.customerId;
  }
}

export async function getSegment(db: Db | Tx, id: string) {
  const s = await db.segment.findFirst({ where: { id, deletedAt: null } });
  if (!s) throw HttpProblem.notFound(`no segment ${id}`);
  return s;
}

export async function readSegment(db: Db, id: string) {
  const s = await getSegment(db, id);
  return segmentView(s, await db.segmentMember.count({ where: { segmentId: id } }));
}

export async function listSegments(db: Db, limit: number, after?: string) {
  const rows = await db.segment.findMany({ where: { deletedAt: null, ...(after ? { id: { lt: after } } : {}) }, orderBy: { id: 'desc' }, take: limit + 1 });
  const page = rows.slice(0, limit);
  const counts = await db.segmentMember.groupBy({ by: ['segmentId'], where: { segmentId: { in: page.map((r) => r.id) } }, _count: { _all: true } });
  const size = new Map(counts.map((c) => [c.segmentId, c._count._all]));
  return { items: page.map((s) => segmentView(s, size.get(s.id) ?? 0)), next: rows.length > limit ? page[page.length - 1]!.id : null };
}

export async function updateSegment(db: Db, id: string, patch: { name?: string | undefined; description?: string | undefined; rule?: Rule | undefined }, ifMatch: number | undefined, trace: Trace) {
  return db.$transaction(async (tx) => {
    const s = await getSegment(tx, id);
    if (ifMatch !== undefined && ifMatch !== s.version) throw HttpProblem.preconditionFailed(`segment is at version ${s.version}`);
    if (patch.rule && s.kind !== 'dynamic') throw HttpProblem.conflict('a static segment has no rule to change; import members instead');
    const updated = await tx.segment.update({
      where: { id },
      data: { ...(patch.name ? { name: patch.name } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}), ...(patch.rule ? { rule: patch.rule } : {}), version: { increment: 1 }, updatedAt: new Date() },
    });
    if (patch.rule) await recomputeSegment(tx, { id, rule: patch.rule }, new Date(), trace);
    return segmentView(updated, await tx.segmentMember.count({ where: { segmentId: id } }));
  }, LONG);
}

export async function deleteSegment(db: Db, id: string) {
  await db.$transaction(async (tx) => {
    await getSegment(tx, id);
    const inUse = await tx.campaign.count({ where: { segmentId: id, state: { in: ['draft', 'scheduled', 'running', 'paused'] } } });
    if (inUse > 0) throw HttpProblem.conflict('the segment is used by a live campaign');
    await tx.segment.update({ where: { id }, data: { deletedAt: new Date() } });
    await tx.segmentMember.deleteMany({ where: { segmentId: id } });
  });
}

export async function preview(db: Db, rule: Rule) {
  return db.$transaction((tx) => previewRule(tx, RuleSchema.parse(rule), new Date()), LONG);
}

/** Import customer ids (CSV with a customerId column) into a static segment. Unknown ids are reported. */
export async function importMembers(db: Db, id: string, body: Readable, trace: Trace) {
  const s = await getSegment(db, id);
  if (s.kind !== 'static') throw HttpProblem.conflict('only static segments take imported members');
  const report = { received: 0, added: 0, alreadyMember: 0, errors: [] as { line: number; message: string }[] };
  let batch: { line: number; customerId: string }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ids = [...new Set(batch.map((b) => b.customerId))];
    await db.$transaction(async (tx) => {
      const known = new Set((await tx.customerFacts.findMany({ where: { customerId: { in: ids }, erasedAt: null, mergedInto: null }, select: { customerId: true } })).map((r) => r.customerId));
      const existing = new Set((await tx.segmentMember.findMany({ where: { segmentId: id, customerId: { in: ids } }, select: { customerId: true } })).map((r) => r.customerId));
      const enter: { segmentId: string; customerId: string }[] = [];
      const seen = new Set<string>();
      for (const b of batch) {
        if (!known.has(b.customerId)) report.errors.push({ line: b.line, message: `unknown customer ${b.customerId}` });
        else if (existing.has(b.customerId) || seen.has(b.customerId)) report.alreadyMember++;
        else {
          seen.add(b.customerId);
          enter.push({ segmentId: id, customerId: b.customerId });
        }
      }
      await applyMembership(tx, enter, [], new Date(), trace);
      report.added += enter.length;
    });
    batch = [];
  };
  for await (const r of readRecords(body, 'csv')) {
    report.received++;
    if (r.error !== undefined) {
      report.errors.push({ line: r.line, message: String(r.error) });
      continue;
    }
    const rec = r.record as Record<string, string>;
    const customerId = (rec.customerId ?? rec.customer_id ?? '').trim();
    if (!/^cus_[0-9A-HJKMNP-TV-Z]{26}$/.test(customerId)) report.errors.push({ line: r.line, message: 'expected a customerId column with a cus_ id' });
    else batch.push({ line: r.line, customerId });
    if (batch.length >= 500) await flush();
  }
  await flush();
  report.errors = report.errors.slice(0, 100);
  return report;
}
