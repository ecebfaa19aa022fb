// HTTP shapes of the customer API. Bodies are strict: an unknown field is a 400 that names it, so a typo
// never silently drops data.
import { consentChannels, consentPurposes, consentSources, lifecycleStages, tag } from '@crm/contracts';
import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);

export const emailInput = z.strictObject({
  address: z.string().max(320),
  primary: z.boolean().optional(),
  verified: z.boolean().optional(),
});
export const phoneInput = z.strictObject({
  number: z.string().max(40),
  primary: z.boolean().optional(),
  verified: z.boolean().optional(),
});
export const addressInput = z.strictObject({
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  region: text(100).optional(),
  postalCode: text(20).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code'),
  primary: z.boolean().optional(),
});
export const externalIdInput = z.strictObject({ source: text(60), id: text(200) });
export const consentInput = z.strictObject({
  channel: z.enum(consentChannels),
  purpose: z.enum(consentPurposes),
  granted: z.boolean(),
  source: z.enum(consentSources),
});

const attributeValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const customerCreate = z
  .strictObject({
    kind: z.enum(['person', 'organisation']).default('person'),
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    organisationName: text(200).optional(),
    organisationId: z.string().startsWith('cus_').optional(),
    stage: z.enum(lifecycleStages).default('prospect'),
    ownerId: text(100).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code').optional(),
    timeZone: text(64).optional(),
    locale: text(35).optional(),
    birthday: z.iso.date().optional(),
    emails: z.array(emailInput).max(10).default([]),
    phones: z.array(phoneInput).max(10).default([]),
    addresses: z.array(addressInput).max(10).default([]),
    externalIds: z.array(externalIdInput).max(20).default([]),
    tags: z.array(tag).max(100).default([]),
    attributes: z.record(z.string().max(60), attributeValue).default({}),
    consents: z.array(consentInput).max(50).default([]),
  })
  .refine((c) => c.kind === 'organisation' ? !!c.organisationName : !!(c.firstName || c.lastName || c.emails.length || c.phones.length), {
    message: 'a person needs a name, an e-mail or a phone; an organisation needs organisationName',
  })
  .refine((c) => !c.timeZone || isTimeZone(c.timeZone), { message: 'timeZone must be an IANA time zone', path: ['timeZone'] });

export const customerPatch = z
  .strictObject({
    firstName: text(100).nullable().optional(),
    lastName: text(100).nullable().optional(),
    organisationName: text(200).nullable().optional(),
    organisationId: z.string().startsWith('cus_').nullable().optional(),
    ownerId: text(100).nullable().optional(),
    country: z.string().regex(/^[A-Z]{2}$/).nullable().optional(),
    timeZone: text(64).nullable().optional(),
    locale: text(35).nullable().optional(),
    birthday: z.iso.date().nullable().optional(),
    emails: z.array(emailInput).max(10).optional(),
    phones: z.array(phoneInput).max(10).optional(),
    addresses: z.array(addressInput).max(10).optional(),
    attributes: z.record(z.string().max(60), attributeValue).optional(),
  })
  .refine((c) => !c.timeZone || isTimeZone(c.timeZone), { message: 'timeZone must be an IANA time zone', path: ['timeZone'] });

export const contactPointView = z.object({
  type: z.enum(['email', 'phone', 'address']),
  value: z.string(),
  primary: z.boolean(),
  verified: z.boolean(),
  address: z.record(z.string(), z.unknown()).nullable(),
});

export const customerView = z.object({
  id: z.string(),
  kind: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  organisationName: z.string().nullable(),
  organisationId: z.string().nullable(),
  stage: z.enum(lifecycleStages),
  ownerId: z.string().nullable(),
  country: z.string().nullable(),
  timeZone: z.string().nullable(),
  locale: z.string().nullable(),
  birthday: z.string().nullable(),
  emails: z.array(z.object({ address: z.string(), primary: z.boolean(), verified: z.boolean() })),
  phones: z.array(z.object({ number: z.string(), primary: z.boolean(), verified: z.boolean() })),
  addresses: z.array(z.record(z.string(), z.unknown())),
  externalIds: z.array(z.object({ source: z.string(), id: z.string() })),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  consents: z.array(z.object({ channel: z.string(), purpose: z.string(), granted: z.boolean(), source: z.string(), recordedAt: z.string() })),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedFrom: z.string().optional(),
});
export type CustomerView = z.infer<typeof customerView>;
export type CustomerCreate = z.infer<typeof customerCreate>;
export type CustomerPatch = z.infer<typeof customerPatch>;

export const listQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional(),
  tag: z.string().max(60).optional(),
  stage: z.enum(lifecycleStages).optional(),
  owner: z.string().max(100).optional(),
  externalSource: z.string().max(60).optional(),
  externalId: z.string().max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
