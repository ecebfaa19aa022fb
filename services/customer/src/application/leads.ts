// Leads: captured from a form or a campaign, qualified or disqualified with a reason, converted into a
// customer. The lead row keeps its own history so conversion loses nothing.
import { newId, type ConsentChannel, type ConsentPurpose, type consentSources, type leadDisqualificationReasons, type leadSources } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import type { Db } from '../db.ts';
import { normalizeEmail, normalizePhone } from '../domain/contact.ts';
import { publishers } from '../events/publish.ts';
import type { Actor } from './context.ts';
import { createCustomerTx } from './customers.ts';

export type LeadStatus = 'captured' | 'qualified' | 'disqualified' | 'converted';

const allowed: Record<LeadStatus, readonly LeadStatus[]> = {
  captured: ['qualified', 'disqualified', 'converted'],
  qualified: ['disqualified', 'converted'],
  disqualified: ['qualified'],
  converted: [],
};

export function canMoveLead(from: LeadStatus, to: LeadStatus): boolean {
  return allowed[from].includes(to);
}

type LeadRow = NonNullable<Awaited<ReturnType<Db['lead']['findUnique']>>>;
type HistoryItem = { status: LeadStatus; at: string; by: string; reason?: string | undefined };

export function leadView(l: LeadRow) {
  return {
    id: l.id,
    status: l.status as LeadStatus,
    source: l.source,
    campaignId: l.campaignId,
    firstName: l.firstName,
    lastName: l.lastName,
    company: l.company,
    email: l.email,
    phone: l.phone,
    reason: l.reason,
    customerId: l.convertedCustomer,
    history: l.history as HistoryItem[],
    version: l.version,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

export interface LeadInput {
  source: (typeof leadSources)[number];
  campaignId?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  company?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

export async function captureLead(db: Db, input: LeadInput, actor: Actor) {
  const errors: { path: string; message: string }[] = [];
  const email = input.email ? normalizeEmail(input.email) : null;
  const phone = input.phone ? normalizePhone(input.phone) : null;
  if (email && !email.ok) errors.push({ path: 'email', message: email.reason });
  if (phone && !phone.ok) errors.push({ path: 'phone', message: phone.reason });
  if (!email && !phone) errors.push({ path: 'email', message: 'a lead needs an e-mail or a phone' });
  if (errors.length > 0) throw new HttpProblem(400, 'Invalid lead', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });

  return db.$transaction(async (tx) => {
    const id = newId('lead');
    const history: HistoryItem[] = [{ status: 'captured', at: new Date().toISOString(), by: actor.sub }];
    const row = await tx.lead.create({
      data: {
        id,
        status: 'captured',
        source: input.source,
        campaignId: input.campaignId ?? null,
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
        company: input.company ?? null,
        email: email && email.ok ? email.value : null,
        phone: phone && phone.ok ? phone.value : null,
        history,
      },
    });
    await publishers.leadCaptured(tx, id, input.source, input.campaignId ?? null, actor);
    return leadView(row);
  });
}

export async function getLead(db: Db, id: string) {
  const row = await db.lead.findUnique({ where: { id } });
  if (!row || row.erasedAt) throw new HttpProblem(404, 'Lead not found', `no lead ${id}`);
  return leadView(row);
}

export async function listLeads(db: Db, status: LeadStatus | undefined, limit: number, after?: string) {
  const rows = await db.lead.findMany({
    where: { erasedAt: null, ...(status ? { status } : {}), ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: 'asc' },
    take: limit + 1,
  });
  return { items: rows.slice(0, limit).map(leadView), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
}

export async function moveLead(db: Db, id: string, to: 'qualified' | 'disqualified', reason: (typeof leadDisqualificationReasons)[number] | undefined, actor: Actor) {
  return db.$transaction(async (tx) => {
    const row = await tx.lead.findUnique({ where: { id } });
    if (!row || row.erasedAt) throw new HttpProblem(404, 'Lead not found', `no lead ${id}`);
    if (!canMoveLead(row.status as LeadStatus, to)) throw new HttpProblem(409, 'Illegal lead transition', `a ${row.status} lead cannot become ${to}`);
    if (to === 'disqualified' && !reason) throw new HttpProblem(400, 'Reason required', 'disqualifying a lead needs a reason', { errors: [{ path: 'reason', message: 'required' }] });
    const history = [...(row.history as HistoryItem[]), { status: to, at: new Date().toISOString(), by: actor.sub, reason }];
    const updated = await tx.lead.update({ where: { id }, data: { status: to, reason: reason ?? null, history, version: { increment: 1 }, updatedAt: new Date() } });
    if (to === 'qualified') await publishers.leadQualified(tx, id, actor);
    else await publishers.leadDisqualified(tx, id, reason!, actor);
    return leadView(updated);
  });
}

/** Converts a lead into a prospect customer carrying the lead's contact data and consents given. */
export async function convertLead(
  db: Db,
  id: string,
  extra: { consents: { channel: ConsentChannel; purpose: ConsentPurpose; granted: boolean; source: (typeof consentSources)[number] }[]; ownerId?: string | undefined },
  actor: Actor,
) {
  return db.$transaction(async (tx) => {
    const row = await tx.lead.findUnique({ where: { id } });
    if (!row || row.erasedAt) throw new HttpProblem(404, 'Lead not found', `no lead ${id}`);
    if (!canMoveLead(row.status as LeadStatus, 'converted')) throw new HttpProblem(409, 'Illegal lead transition', `a ${row.status} lead cannot be converted`);
    const customer = await createCustomerTx(
      tx,
      {
        kind: 'person',
        firstName: row.firstName ?? undefined,
        lastName: row.lastName ?? undefined,
        stage: 'prospect',
        ownerId: extra.ownerId,
        emails: row.email ? [{ address: row.email, primary: true }] : [],
        phones: row.phone ? [{ number: row.phone, primary: true }] : [],
        addresses: [],
        externalIds: [],
        tags: [],
        attributes: { leadSource: row.source, ...(row.company ? { company: row.company } : {}) },
        consents: extra.consents,
      },
      actor,
      'lead_conversion',
      id,
    );
    const history = [...(row.history as HistoryItem[]), { status: 'converted' as const, at: new Date().toISOString(), by: actor.sub }];
    const updated = await tx.lead.update({ where: { id }, data: { status: 'converted', convertedCustomer: customer.id, history, version: { increment: 1 }, updatedAt: new Date() } });
    await publishers.leadConverted(tx, id, customer.id, actor);
    return { lead: leadView(updated), customer };
  });
}
