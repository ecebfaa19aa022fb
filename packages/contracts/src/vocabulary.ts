// Shared vocabulary: enums and value formats that events, HTTP APIs and databases of several services use.
// Services import these instead of redefining them, so a value added here is known everywhere at once.
import { z } from 'zod';
import { ULID_BODY } from './ids.ts';

// ---- ids -----------------------------------------------------------------------------------------------
/** Prefixes of the ids the platform mints with `newId(prefix)`. */
export const idPrefixes = {
  customer: 'cus',
  lead: 'lead',
  interaction: 'int',
  purchase: 'pur',
  refund: 'rfd',
  surveyResponse: 'svy',
  ticket: 'tkt',
  reply: 'rpl',
  queue: 'q',
  agent: 'agt',
  segment: 'seg',
  campaign: 'cmp',
  journey: 'jrn',
  enrollment: 'enr',
  message: 'msg',
  ledgerEntry: 'lpe',
  redemption: 'rdm',
  event: 'evt',
} as const;

/** A zod string that only accepts ids minted by `newId(prefix)`. */
export function idOf(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}_${ULID_BODY}$`), `expected an id like ${prefix}_<26 chars>`);
}

export const customerId = idOf(idPrefixes.customer);
export const leadId = idOf(idPrefixes.lead);
export const interactionId = idOf(idPrefixes.interaction);
export const purchaseId = idOf(idPrefixes.purchase);
export const ticketId = idOf(idPrefixes.ticket);
export const queueId = idOf(idPrefixes.queue);
export const segmentId = idOf(idPrefixes.segment);
export const campaignId = idOf(idPrefixes.campaign);
export const journeyId = idOf(idPrefixes.journey);
export const eventId = idOf(idPrefixes.event);

/**
 * An id minted outside the platform or by an identity provider (order numbers, agent user ids, SKUs).
 * Limited to id-like characters so that nobody can smuggle free text through it.
 */
export const externalRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:\/#-]{0,127}$/, 'expected an id-like reference');
/** Who did something: an agent/user id from the JWT `sub`, or `system`. */
export const agentRef = externalRef;
/** A machine code chosen by configuration (category, reward, tier, rule, link, step codes). */
export const code = z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, 'expected a lowercase code');
/** Tags are codes too: lowercase, no spaces, so they cannot carry free text about a customer. */
export const tag = code;

// ---- values --------------------------------------------------------------------------------------------
/** Money as an exact, non-negative decimal string ("12.50"), never a float. */
export const money = z.string().regex(/^(0|[1-9]\d{0,14})(\.\d{1,4})?$/, 'expected a decimal string like "12.50"');
/** ISO 4217 currency code. */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like "EUR"');
/** ISO 8601 date-time in UTC ("2025-01-31T12:00:00.000Z"). */
export const timestamp = z.iso.datetime();
/** ISO 8601 calendar date ("2025-01-31"). */
export const date = z.iso.date();
/** ISO 3166-1 alpha-2 country code. */
export const country = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code like "DE"');
/** IANA time zone name ("Europe/Berlin", "UTC"). */
export const timeZone = z.string().regex(/^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/, 'expected an IANA time zone');
/** Telephone number in E.164 ("+4930123456"). */
export const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number like "+4930123456"');
export const seconds = z.number().int().nonnegative();
export const probability = z.number().min(0).max(1);

// ---- customer ------------------------------------------------------------------------------------------
export const customerKinds = ['person', 'organisation'] as const;
export const customerKind = z.enum(customerKinds);

/** Lifecycle stages: awareness → acquisition → consolidation → maturity → decline → departure (→ win back). */
export const lifecycleStages = ['lead', 'prospect', 'new', 'active', 'at_risk', 'churned', 'won_back'] as const;
export const lifecycleStage = z.enum(lifecycleStages);
export type LifecycleStage = (typeof lifecycleStages)[number];

export const lifecycleChangeReasons = [
  'registered', 'lead_converted', 'first_purchase', 'repeat_purchase', 'purchase_after_churn',
  'churn_risk_raised', 'churn_risk_cleared', 'inactivity', 'merge', 'manual',
] as const;
export const lifecycleChangeReason = z.enum(lifecycleChangeReasons);

/** Consent channels; `push` is there because campaigns send push messages and need consent for them too. */
export const consentChannels = ['email', 'sms', 'phone', 'direct_mail', 'push'] as const;
export const consentChannel = z.enum(consentChannels);
export type ConsentChannel = (typeof consentChannels)[number];
export const consentPurposes = ['marketing', 'profiling', 'service'] as const;
export const consentPurpose = z.enum(consentPurposes);
export type ConsentPurpose = (typeof consentPurposes)[number];
export const consentSources = [
  'web_form', 'api', 'import', 'agent', 'double_opt_in', 'unsubscribe_link', 'customer_request', 'merge',
] as const;
export const consentSource = z.enum(consentSources);

export const leadSources = ['web_form', 'campaign', 'import', 'api', 'referral', 'event', 'other'] as const;
export const leadSource = z.enum(leadSources);
export const leadDisqualificationReasons = [
  'no_budget', 'no_need', 'no_authority', 'bad_timing', 'duplicate', 'invalid_contact', 'competitor', 'other',
] as const;
export const leadDisqualificationReason = z.enum(leadDisqualificationReasons);
export const registrationSources = ['api', 'import', 'lead_conversion', 'ingest', 'purchase_import'] as const;
export const registrationSource = z.enum(registrationSources);

// ---- interaction ---------------------------------------------------------------------------------------
export const interactionChannels = ['phone', 'email', 'web', 'chat', 'social', 'sms', 'direct_mail', 'visit', 'other'] as const;
export const interactionChannel = z.enum(interactionChannels);
export type InteractionChannel = (typeof interactionChannels)[number];
export const directions = ['inbound', 'outbound'] as const;
export const direction = z.enum(directions);
export const interactionKinds = ['call', 'message', 'meeting', 'note', 'visit', 'form', 'campaign_message', 'other'] as const;
export const interactionKind = z.enum(interactionKinds);
/** Why the customer got in touch; ticketing opens a ticket for inbound complaints and requests. */
export const interactionIntents = ['complaint', 'request', 'inquiry', 'feedback', 'other'] as const;
export const interactionIntent = z.enum(interactionIntents);
export const interactionOutcomes = [
  'resolved', 'unresolved', 'follow_up', 'escalated', 'no_answer', 'voicemail', 'callback_requested', 'sale', 'no_sale', 'other',
] as const;
export const interactionOutcome = z.enum(interactionOutcomes);

export const purchaseChannels = ['web', 'store', 'phone', 'mobile_app', 'marketplace', 'email', 'field_sales', 'other'] as const;
export const purchaseChannel = z.enum(purchaseChannels);
export const purchaseSources = ['api', 'import', 'ingest'] as const;
export const purchaseSource = z.enum(purchaseSources);
export const refundReasons = ['returned', 'damaged', 'not_delivered', 'cancelled', 'goodwill', 'other'] as const;
export const refundReason = z.enum(refundReasons);

export const surveyKinds = ['csat', 'nps', 'servqual'] as const;
export const surveyKind = z.enum(surveyKinds);
export const servqualDimensions = ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy'] as const;
export const servqualDimension = z.enum(servqualDimensions);

// ---- ticketing -----------------------------------------------------------------------------------------
export const ticketPriorities = ['P1', 'P2', 'P3', 'P4'] as const;
export const ticketPriority = z.enum(ticketPriorities);
export type TicketPriority = (typeof ticketPriorities)[number];
export const ticketStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'resolved', 'closed'] as const;
export const ticketStatus = z.enum(ticketStatuses);
export type TicketStatus = (typeof ticketStatuses)[number];
export const slaMetrics = ['first_response', 'resolution'] as const;
export const slaMetric = z.enum(slaMetrics);
export const assignmentMethods = ['round_robin', 'least_loaded', 'manual', 'escalation'] as const;
export const assignmentMethod = z.enum(assignmentMethods);
export const escalationReasons = ['sla_breach', 'sla_warning', 'manual', 'customer_request'] as const;
export const escalationReason = z.enum(escalationReasons);
export const replyVisibilities = ['public', 'internal'] as const;
export const replyVisibility = z.enum(replyVisibilities);
export const authorTypes = ['agent', 'customer', 'system'] as const;
export const authorType = z.enum(authorTypes);

// ---- marketing & loyalty -------------------------------------------------------------------------------
export const campaignChannels = ['email', 'sms', 'direct_mail', 'push'] as const;
export const campaignChannel = z.enum(campaignChannels);
export type CampaignChannel = (typeof campaignChannels)[number];
export const campaignStates = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export const campaignState = z.enum(campaignStates);
export type CampaignState = (typeof campaignStates)[number];
export const skipReasons = [
  'no_consent', 'frequency_cap', 'quiet_hours', 'no_contact_point', 'holdout', 'suppressed', 'customer_erased', 'already_sent',
] as const;
export const skipReason = z.enum(skipReasons);
export const bounceTypes = ['hard', 'soft'] as const;
export const bounceType = z.enum(bounceTypes);
export const journeyExitReasons = [
  'completed', 'goal_reached', 'risk_cleared', 'purchase', 'consent_withdrawn', 'customer_erased', 'customer_merged', 'manual',
] as const;
export const journeyExitReason = z.enum(journeyExitReasons);
export const segmentChanges = ['entered', 'left'] as const;
export const segmentChange = z.enum(segmentChanges);
export const pointsAccrualReasons = ['purchase', 'sign_up', 'birthday', 'review', 'campaign_bonus', 'manual'] as const;
export const pointsAccrualReason = z.enum(pointsAccrualReasons);
export const tierChangeReasons = ['initial', 'upgrade', 'downgrade'] as const;
export const tierChangeReason = z.enum(tierChangeReasons);

// ---- analytics -----------------------------------------------------------------------------------------
export const churnRiskLevels = ['low', 'medium', 'high'] as const;
export const churnRiskLevel = z.enum(churnRiskLevels);
export type ChurnRiskLevel = (typeof churnRiskLevels)[number];
export const abcClasses = ['A', 'B', 'C'] as const;
export const abcClass = z.enum(abcClasses);
export const rfmSegments = [
  'champions', 'loyal', 'potential_loyalists', 'new_customers', 'promising', 'need_attention',
  'about_to_sleep', 'at_risk', 'cannot_lose_them', 'hibernating', 'lost',
] as const;
export const rfmSegment = z.enum(rfmSegments);
export type RfmSegment = (typeof rfmSegments)[number];
/** RFM score: quintile 1 (worst) to 5 (best) over the customer base. */
export const rfmScore = z.number().int().min(1).max(5);
