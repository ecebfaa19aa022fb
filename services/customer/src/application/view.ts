import type { CustomerView } from '../schemas.ts';
import type { Tx } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export const customerInclude = {
  contactPoints: { orderBy: [{ primary: 'desc' }, { createdAt: 'asc' }] },
  externalIds: { orderBy: { createdAt: 'asc' } },
  consents: { orderBy: [{ channel: 'asc' }, { purpose: 'asc' }] },
} satisfies Prisma.CustomerInclude;

type Loaded = NonNullable<Awaited<ReturnType<typeof loadCustomer>>>;

export function loadCustomer(tx: Tx, id: string) {
  return tx.customer.findUnique({ where: { id }, include: customerInclude });
}

export function toView(c: Loaded): CustomerView {
  const points = c.contactPoints;
  return {
    id: c.id,
    kind: c.kind,
    firstName: c.firstName,
    lastName: c.lastName,
    organisationName: c.organisationName,
    organisationId: c.organisationId,
    stage: c.stage as CustomerView['stage'],
    ownerId: c.ownerId,
    country: c.country,
    timeZone: c.timeZone,
    locale: c.locale,
    birthday: c.birthday,
    emails: points.filter((p) => p.type === 'email').map((p) => ({ address: p.value, primary: p.primary, verified: p.verified })),
    phones: points.filter((p) => p.type === 'phone').map((p) => ({ number: p.normalized, primary: p.primary, verified: p.verified })),
    addresses: points.filter((p) => p.type === 'address').map((p) => ({ ...(p.address as Record<string, unknown>), primary: p.primary })),
    externalIds: c.externalIds.map((e) => ({ source: e.source, id: e.externalId })),
    tags: c.tags,
    attributes: c.attributes as Record<string, unknown>,
    consents: c.consents.map((k) => ({
      channel: k.channel,
      purpose: k.purpose,
      granted: k.granted,
      source: k.source,
      recordedAt: k.recordedAt.toISOString(),
    })),
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

interface ViewRow {
  id: string; kind: string; first_name: string | null; last_name: string | null; organisation_name: string | null;
  organisation_id: string | null; stage: string; owner_id: string | null; country: string | null; time_zone: string | null;
  locale: string | null; birthday: string | null; tags: string[] | null; attributes: Record<string, unknown>; version: number;
  merged_into_id: string | null; erased_at: Date | null; created_at: Date; updated_at: Date;
  contact_points: Array<{ type: string; value: string; normalized: string; primary: boolean; verified: boolean; address: unknown }>;
  external_ids: Array<{ source: string; externalId: string }>;
  consents: Array<{ channel: string; purpose: string; granted: boolean; source: string; recordedAt: string }>;
}

/**
 * The hot read path (GET /v1/customers/{id}): the customer and its contact points, external ids and consents
 * in one statement, instead of one query per relation.
 */
const VIEW_SQL = `
  SELECT c.*,
    coalesce((SELECT json_agg(json_build_object('type', p.type, 'value', p.value, 'normalized', p.normalized, 'primary', p."primary",
                'verified', p.verified, 'address', p.address) ORDER BY p."primary" DESC, p.created_at) FROM contact_point p WHERE p.customer_id = c.id), '[]') AS contact_points,
    coalesce((SELECT json_agg(json_build_object('source', e.source, 'externalId', e.external_id) ORDER BY e.created_at)
                FROM external_id e WHERE e.customer_id = c.id), '[]') AS external_ids,
    coalesce((SELECT json_agg(json_build_object('channel', k.channel, 'purpose', k.purpose, 'granted', k.granted, 'source', k.source,
                'recordedAt', k.recorded_at) ORDER BY k.channel, k.purpose) FROM consent k WHERE k.customer_id = c.id), '[]') AS consents
  FROM customer c WHERE c.id = $1`;

export async function readCustomerRow(db: Tx | { $queryRawUnsafe: Tx['$queryRawUnsafe'] }, id: string) {
  const [row] = await db.$queryRawUnsafe<ViewRow[]>(VIEW_SQL, id);
  if (!row) return null;
  const loaded = {
    id: row.id, kind: row.kind, firstName: row.first_name, lastName: row.last_name, organisationName: row.organisation_name,
    organisationId: row.organisation_id, stage: row.stage, ownerId: row.owner_id, country: row.country, timeZone: row.time_zone,
    locale: row.locale, birthday: row.birthday, tags: row.tags ?? [], attributes: row.attributes, version: row.version,
    createdAt: row.created_at, updatedAt: row.updated_at,
    contactPoints: row.contact_points,
    externalIds: row.external_ids,
    consents: row.consents.map((k) => ({ ...k, recordedAt: new Date(k.recordedAt) })),
  } as unknown as Loaded;
  return { view: toView(loaded), mergedIntoId: row.merged_into_id, erasedAt: row.erased_at };
}
