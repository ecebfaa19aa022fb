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
