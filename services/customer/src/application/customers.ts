// Customer use cases. Each runs in one transaction that holds the state change, the audit entry and the
// outbox rows together, so an event exists exactly when its change does.
import { newId, type ConsentChannel, type ConsentPurpose, type LifecycleStage, type consentSources } from '@crm/contracts';

type ConsentSource = (typeof consentSources)[number];
import { HttpProblem, decodeCursor, encodeCursor } from '@crm/service-kit';
import type { Db, Tx } from '../db.ts';
import { nextStage, type StageTrigger } from '../domain/lifecycle.ts';
import { publishers } from '../events/publish.ts';
import type { CustomerCreate, CustomerPatch, CustomerView, listQuery } from '../schemas.ts';
import type { Actor } from './context.ts';
import { assertContactPointsFree, prepareContactPoints } from './contact-points.ts';
import { customerInclude, loadCustomer, readCustomerRow, toView } from './view.ts';
import type { z } from 'zod';

export async function audit(tx: Tx, customerId: string, actor: Actor, action: string, fields: string[] = []): Promise<void> {
  await tx.auditEntry.create({ data: { customerId, actor: actor.sub, action, fields, requestId: actor.requestId ?? null } });
}

/** Creates a customer inside the caller's transaction (used by the API, the import and lead conversion). */
export async function createCustomerTx(tx: Tx, input: CustomerCreate, actor: Actor, via: 'api' | 'import' | 'lead_conversion' | 'purchase_import', leadId?: string): Promise<CustomerView> {
  const points = prepareContactPoints(input);
  await assertContactPointsFree(tx, points);
  await assertExternalIdsFree(tx, input.externalIds);
  if (input.organisationId) await requireLive(tx, input.organisationId);

  const id = newId('cus');
  const now = new Date();
  await tx.customer.create({
    data: {
      id,
      kind: input.kind,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      organisationName: input.organisationName ?? null,
      organisationId: input.organisationId ?? null,
      stage: input.stage,
      ownerId: input.ownerId ?? null,
      country: input.country ?? null,
      timeZone: input.timeZone ?? null,
      locale: input.locale ?? null,
      birthday: input.birthday ?? null,
      tags: [...new Set(input.tags)].sort(),
      attributes: input.attributes,
      createdAt: now,
      updatedAt: now,
      contactPoints: { create: points.map(({ id: pid, address, ...p }) => ({ id: pid, ...p, address: address ?? undefined })) },
      externalIds: { create: input.externalIds.map((e) => ({ source: e.source, externalId: e.id })) },
      consents: { create: input.consents.map((c) => ({ ...c, recordedAt: now })) },
    },
  });
  if (input.consents.length > 0) {
    await tx.consentHistory.createMany({ data: input.consents.map((c) => ({ customerId: id, ...c, recordedAt: now })) });
  }
  await tx.stageChange.create({ data: { customerId: id, fromStage: null, toStage: input.stage, reason: 'registered', changedAt: now } });
  await audit(tx, id, actor, 'customer.created');

  const view = toView((await loadCustomer(tx, id))!);
  await publishers.registered(tx, view, actor, via, leadId);
  for (const c of input.consents) await publishers.consentChanged(tx, id, { channel: c.channel, purpose: c.purpose, granted: c.granted, source: c.source, effectiveAt: now.toISOString() }, actor);
  await publishers.profile(tx, view, actor);
  return view;
}

export function createCustomer(db: Db, input: CustomerCreate, actor: Actor): Promise<CustomerView> {
  return db.$transaction((tx) => createCustomerTx(tx, input, actor, 'api'));
}

async function assertExternalIdsFree(tx: Tx, ids: { source: string; id: string }[]): Promise<void> {
  if (ids.length === 0) return;
  for (const e of [...ids].sort((a, b) => `${a.source}:${a.id}`.localeCompare(`${b.source}:${b.id}`))) {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `ext:${e.source}:${e.id}`);
  }
  const taken = await tx.externalId.findFirst({ where: { OR: ids.map((e) => ({ source: e.source, externalId: e.id })) } });
  if (taken) {
    throw new HttpProblem(409, 'Duplicate customer', `external id ${taken.source}:${taken.externalId} already belongs to a customer`, {
      existingId: taken.customerId,
      field: 'externalIds',
    });
  }
}

/** Follows merges to the surviving customer; erased customers answer 404 like customers that never were. */
export async function resolveId(tx: Tx | Db, id: string): Promise<string> {
  let current = id;
  for (let hops = 0; hops < 10; hops++) {
    const row = await tx.customer.findUnique({ where: { id: current }, select: { mergedIntoId: true, erasedAt: true } });
    if (!row || row.erasedAt) throw new HttpProblem(404, 'Customer not found', `no customer ${id}`);
    if (!row.mergedIntoId) return current;
    current = row.mergedIntoId;
  }
  throw new HttpProblem(500, 'Merge chain too long');
}

async function requireLive(tx: Tx, id: string): Promise<void> {
  const row = await tx.customer.findUnique({ where: { id }, select: { mergedIntoId: true, erasedAt: true } });
  if (!row || row.erasedAt || row.mergedIntoId) throw new HttpProblem(400, 'Unknown organisation', `organisationId ${id} is not a live customer`);
}

export async function getCustomer(db: Db, id: string): Promise<CustomerView> {
  let current = id;
  for (let hops = 0; hops < 10; hops++) {
    const found = await readCustomerRow(db, current);
    if (!found || found.erasedAt) throw new HttpProblem(404, 'Customer not found', `no customer ${id}`);
    if (!found.mergedIntoId) return current === id ? found.view : { ...found.view, resolvedFrom: id };
    current = found.mergedIntoId;
  }
  throw new HttpProblem(500, 'Merge chain too long');
}

const profileFields = ['firstName', 'lastName', 'organisationName', 'organisationId', 'ownerId', 'country', 'timeZone', 'locale', 'birthday'] as const;

export async function updateCustomer(db: Db, id: string, expectedVersion: number, patch: CustomerPatch, actor: Actor): Promise<CustomerView> {
  return db.$transaction(async (tx) => {
    const current = await tx.customer.findUnique({ where: { id } });
    if (!current || current.erasedAt) throw new HttpProblem(404, 'Customer not found', `no customer ${id}`);
    if (current.mergedIntoId) throw new HttpProblem(409, 'Customer was merged', `customer ${id} was merged into ${current.mergedIntoId}`, { survivorId: current.mergedIntoId });
    if (current.version !== expectedVersion) {
      throw new HttpProblem(409, 'Version conflict', `customer ${id} is at version ${current.version}, not ${expectedVersion}`, { currentVersion: current.version });
    }

    const changed: string[] = [];
    const data: Record<string, unknown> = {};
    for (const field of profileFields) {
      if (patch[field] !== undefined && patch[field] !== current[field]) {
        data[field] = patch[field];
        changed.push(field);
      }
    }
    if (patch.organisationId) await requireLive(tx, patch.organisationId);
    if (patch.attributes !== undefined) {
      data.attributes = patch.attributes;
      changed.push('attributes');
    }

    const replaced = (['emails', 'phones', 'addresses'] as const).filter((k) => patch[k] !== undefined);
    if (replaced.length > 0) {
      const points = prepareContactPoints(Object.fromEntries(replaced.map((k) => [k, patch[k]])));
      await assertContactPointsFree(tx, points, id);
      const types = replaced.map((k) => ({ emails: 'email', phones: 'phone', addresses: 'address' })[k]);
      await tx.contactPoint.deleteMany({ where: { customerId: id, type: { in: types } } });
      await tx.contactPoint.createMany({ data: points.map(({ address, ...p }) => ({ ...p, customerId: id, address: address ?? undefined })) });
      changed.push(...replaced);
    }

    if (changed.length === 0) return toView((await loadCustomer(tx, id))!);
    // The version in the WHERE clause closes the race between the read above and this write.
    const updated = await tx.customer.updateMany({ where: { id, version: expectedVersion }, data: { ...data, version: { increment: 1 }, updatedAt: new Date() } });
    if (updated.count === 0) throw new HttpProblem(409, 'Version conflict', `customer ${id} changed meanwhile`);
    await audit(tx, id, actor, 'customer.updated', changed);
    const view = toView((await loadCustomer(tx, id))!);
    await publishers.profileUpdated(tx, id, changed, view.version, actor);
    await publishers.profile(tx, view, actor);
    return view;
  });
}

export async function changeTags(db: Db, id: string, add: string[], remove: string[], actor: Actor): Promise<CustomerView> {
  return db.$transaction(async (tx) => {
    const resolved = await resolveId(tx, id);
    const current = (await tx.customer.findUnique({ where: { id: resolved } }))!;
    const before = new Set(current.tags);
    const after = new Set(current.tags);
    add.forEach((t) => after.add(t));
    remove.forEach((t) => after.delete(t));
    const added = [...after].filter((t) => !before.has(t)).sort();
    const removed = [...before].filter((t) => !after.has(t)).sort();
    if (added.length + removed.length > 0) {
      await tx.customer.update({ where: { id: resolved }, data: { tags: [...after].sort(), version: { increment: 1 }, updatedAt: new Date() } });
      await audit(tx, resolved, actor, 'customer.tagged', ['tags']);
      await publishers.tagged(tx, resolved, added, removed, actor);
      await publishers.profile(tx, toView((await loadCustomer(tx, resolved))!), actor);
    }
    return toView((await loadCustomer(tx, resolved))!);
  });
}

export async function recordConsent(
  db: Db,
  id: string,
  consent: { channel: ConsentChannel; purpose: ConsentPurpose; granted: boolean; source: ConsentSource },
  actor: Actor,
): Promise<CustomerView> {
  return db.$transaction(async (tx) => {
    const resolved = await resolveId(tx, id);
    const recordedAt = new Date();
    const key = { customerId_channel_purpose: { customerId: resolved, channel: consent.channel, purpose: consent.purpose } };
    const previous = await tx.consent.findUnique({ where: key });
    await tx.consent.upsert({ where: key, create: { customerId: resolved, ...consent, recordedAt }, update: { granted: consent.granted, source: consent.source, recordedAt } });
    await tx.consentHistory.create({ data: { customerId: resolved, ...consent, recordedAt } });
    await audit(tx, resolved, actor, 'consent.recorded', [`consent.${consent.channel}.${consent.purpose}`]);
    if (!previous || previous.granted !== consent.granted) {
      await publishers.consentChanged(tx, resolved, { ...consent, effectiveAt: recordedAt.toISOString() }, actor);
    }
    return toView((await loadCustomer(tx, resolved))!);
  });
}

export async function consentHistory(db: Db, id: string) {
  const resolved = await resolveId(db, id);
  const [current, history] = await Promise.all([
    db.consent.findMany({ where: { customerId: resolved }, orderBy: [{ channel: 'asc' }, { purpose: 'asc' }] }),
    db.consentHistory.findMany({ where: { customerId: resolved }, orderBy: { id: 'asc' } }),
  ]);
  const iso = <T extends { recordedAt: Date }>(r: T) => ({ channel: (r as never as { channel: string }).channel, purpose: (r as never as { purpose: string }).purpose, granted: (r as never as { granted: boolean }).granted, source: (r as never as { source: string }).source, recordedAt: r.recordedAt.toISOString() });
  return { customerId: resolved, current: current.map(iso), history: history.map(iso) };
}

/** Applies a lifecycle trigger; returns whether the stage changed. Used by the API and by event handlers. */
export async function applyStageTrigger(tx: Tx, id: string, trigger: StageTrigger, actor: Actor, causationId?: string): Promise<{ changed: boolean; refused?: string }> {
  const current = await tx.customer.findUnique({ where: { id }, select: { stage: true, erasedAt: true, mergedIntoId: true } });
  if (!current || current.erasedAt || current.mergedIntoId) return { changed: false };
  const decision = nextStage(current.stage as LifecycleStage, trigger);
  if (!decision.change) return 'refused' in decision ? { changed: false, refused: decision.refused } : { changed: false };
  const now = new Date();
  await tx.customer.update({ where: { id }, data: { stage: decision.to, version: { increment: 1 }, updatedAt: now } });
  await tx.stageChange.create({ data: { customerId: id, fromStage: current.stage, toStage: decision.to, reason: decision.reason, changedAt: now } });
  await audit(tx, id, actor, 'stage.changed', ['stage']);
  await publishers.stageChanged(tx, id, current.stage as LifecycleStage, decision.to, decision.reason, actor, causationId);
  await publishers.profile(tx, toView((await loadCustomer(tx, id))!), actor);
  return { changed: true };
}

export async function setStage(db: Db, id: string, to: LifecycleStage, actor: Actor): Promise<CustomerView> {
  return db.$transaction(async (tx) => {
    const resolved = await resolveId(tx, id);
    const result = await applyStageTrigger(tx, resolved, { kind: 'manual', to }, actor);
    if (result.refused) throw new HttpProblem(409, 'Stage change not allowed', result.refused);
    return toView((await loadCustomer(tx, resolved))!);
  });
}

export async function stageHistory(db: Db, id: string) {
  const resolved = await resolveId(db, id);
  const rows = await db.stageChange.findMany({ where: { customerId: resolved }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ from: r.fromStage, to: r.toStage, reason: r.reason, changedAt: r.changedAt.toISOString() }));
}

type ListQuery = z.infer<typeof listQuery>;

/** Keyset pagination on (createdAt, id): stable under inserts, no OFFSET scans. */
export async function listCustomers(db: Db, query: ListQuery): Promise<{ items: CustomerView[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor<{ t: string; id: string }>(query.cursor) : null;
  const q = query.q?.toLowerCase();
  const rows = await db.customer.findMany({
    where: {
      erasedAt: null,
      mergedIntoId: null,
      ...(query.stage ? { stage: query.stage } : {}),
      ...(query.tag ? { tags: { has: query.tag } } : {}),
      ...(query.owner ? { ownerId: query.owner } : {}),
      ...(query.externalSource || query.externalId
        ? { externalIds: { some: { ...(query.externalSource ? { source: query.externalSource } : {}), ...(query.externalId ? { externalId: query.externalId } : {}) } } }
        : {}),
      AND: [
        ...(q
          ? [{
              OR: [
                { firstName: { contains: q, mode: 'insensitive' as const } },
                { lastName: { contains: q, mode: 'insensitive' as const } },
                { organisationName: { contains: q, mode: 'insensitive' as const } },
                { contactPoints: { some: { normalized: { contains: q.replace(/[\s\-().]/g, '') } } } },
              ],
            }]
          : []),
        ...(after ? [{ OR: [{ createdAt: { gt: new Date(after.t) } }, { createdAt: new Date(after.t), id: { gt: after.id } }] }] : []),
      ],
    },
    include: customerInclude,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toView),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

export async function auditLog(db: Db, id: string) {
  const rows = await db.auditEntry.findMany({ where: { customerId: id }, orderBy: { id: 'asc' } });
  if (rows.length === 0) await resolveId(db, id);
  return rows.map((r) => ({ id: Number(r.id), actor: r.actor, action: r.action, fields: r.fields, requestId: r.requestId, at: r.at.toISOString() }));
}
