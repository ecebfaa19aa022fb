// Events of the customer service. History events (topic crm.customer) carry ids, codes and enums only;
// contact data travels solely in crm.customer.profile.v1 on the compacted profile topic.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  agentRef, campaignId, code, consentChannel, consentPurpose, consentSource, country, customerId, customerKind,
  date, e164, externalRef, leadDisqualificationReason, leadId, leadSource, lifecycleChangeReason, lifecycleStage,
  registrationSource, tag, timeZone, timestamp,
} from '../vocabulary.ts';

const HISTORY = 'crm.customer';

export const customerRegistered = defineEvent({
  type: 'crm.customer.registered.v1',
  topic: HISTORY,
  description: 'A customer (person or organisation) was created.',
  data: z.object({
    customerId,
    kind: customerKind,
    lifecycleStage,
    source: registrationSource,
    organisationId: customerId.optional().describe('The organisation a contact person belongs to.'),
    ownerAgentId: agentRef.optional(),
    leadId: leadId.optional().describe('Set when the customer was created by converting a lead.'),
  }),
});

export const customerProfileUpdated = defineEvent({
  type: 'crm.customer.profile_updated.v1',
  topic: HISTORY,
  description: 'Profile fields changed. Only the names of the changed fields; the values are on crm.customer.profile.',
  data: z.object({
    customerId,
    changedFields: z.array(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.]{0,63}$/)).min(1),
    version: z.number().int().positive(),
  }),
});

export const customerLifecycleStageChanged = defineEvent({
  type: 'crm.customer.lifecycle_stage_changed.v1',
  topic: HISTORY,
  description: 'The lifecycle stage moved (e.g. prospect → new on the first purchase).',
  data: z.object({
    customerId,
    from: lifecycleStage.nullable(),
    to: lifecycleStage,
    reason: lifecycleChangeReason,
    causedBy: z.string().min(1).max(256).optional().describe('Id of the event that triggered the change, if any.'),
  }),
});

export const customerConsentChanged = defineEvent({
  type: 'crm.customer.consent_changed.v1',
  topic: HISTORY,
  description: 'Consent for one channel and purpose was granted or withdrawn.',
  data: z.object({
    customerId,
    channel: consentChannel,
    purpose: consentPurpose,
    granted: z.boolean(),
    source: consentSource,
    effectiveAt: timestamp,
  }),
});

export const customerTagged = defineEvent({
  type: 'crm.customer.tagged.v1',
  topic: HISTORY,
  description: 'Tags were added to or removed from a customer.',
  data: z.object({ customerId, added: z.array(tag), removed: z.array(tag) }),
});

export const leadCaptured = defineEvent({
  type: 'crm.customer.lead_captured.v1',
  topic: HISTORY,
  description: 'A lead was captured from a form, a campaign, an import or the API. Subject: the lead id.',
  data: z.object({
    leadId,
    source: leadSource,
    campaignId: campaignId.optional(),
    customerId: customerId.optional().describe('Set when the lead belongs to a known customer.'),
  }),
});

export const leadQualified = defineEvent({
  type: 'crm.customer.lead_qualified.v1',
  topic: HISTORY,
  description: 'A lead was qualified. Subject: the lead id.',
  data: z.object({ leadId, score: z.number().int().min(0).max(100).optional(), qualifiedBy: agentRef.optional() }),
});

export const leadDisqualified = defineEvent({
  type: 'crm.customer.lead_disqualified.v1',
  topic: HISTORY,
  description: 'A lead was disqualified with a reason code. Subject: the lead id.',
  data: z.object({ leadId, reason: leadDisqualificationReason, disqualifiedBy: agentRef.optional() }),
});

export const leadConverted = defineEvent({
  type: 'crm.customer.lead_converted.v1',
  topic: HISTORY,
  description: 'A lead became a customer; the lead history stays linked. Subject: the customer id.',
  data: z.object({ leadId, customerId }),
});

export const customerMerged = defineEvent({
  type: 'crm.customer.merged.v1',
  topic: HISTORY,
  description:
    'Two customers were merged: every service re-keys mergedId to survivorId. mergedId stays resolvable. ' +
    'Subject: the merged id, so the event follows that customer\'s earlier events in its partition.',
  data: z.object({ survivorId: customerId, mergedId: customerId }),
});

export const customerErased = defineEvent({
  type: 'crm.customer.erased.v1',
  topic: HISTORY,
  description: 'The customer exercised the right to erasure: every service deletes or anonymises what it holds and confirms.',
  data: z.object({ customerId, erasedAt: timestamp }),
});

// ---- compacted profile topic: the only place contact data is published -------------------------------
const contactFlags = { primary: z.boolean(), verified: z.boolean() };

export const customerProfile = defineEvent({
  type: 'crm.customer.profile.v1',
  topic: 'crm.customer.profile',
  description:
    'The latest contact profile of a customer (personal data). Compacted topic keyed by customer id; ' +
    'a tombstone (null value) replaces it on erasure, and a merged customer gets a tombstone too.',
  data: z.object({
    customerId,
    kind: customerKind,
    version: z.number().int().positive(),
    displayName: z.string().max(300),
    givenName: z.string().max(200).optional(),
    familyName: z.string().max(200).optional(),
    organisationName: z.string().max(300).optional(),
    organisationId: customerId.optional(),
    emails: z.array(z.object({ address: z.email(), ...contactFlags })),
    phones: z.array(z.object({ number: e164, ...contactFlags })),
    postalAddresses: z.array(
      z.object({
        lines: z.array(z.string().max(200)).min(1).max(4),
        postalCode: z.string().max(20).optional(),
        city: z.string().max(100),
        region: z.string().max(100).optional(),
        country,
        ...contactFlags,
      }),
    ),
    country: country.optional(),
    timeZone: timeZone.optional(),
    locale: z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/).optional(),
    birthday: date.optional(),
    lifecycleStage,
    tags: z.array(tag),
    ownerAgentId: agentRef.optional(),
    externalIds: z.array(z.object({ system: code, id: externalRef })),
    updatedAt: timestamp,
  }),
});
