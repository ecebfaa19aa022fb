// Events of the marketing-campaign service (topic crm.marketing). Message contents and addresses stay in
// the service; events say which message went to which customer on which channel and what became of it.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  bounceType, campaignChannel, campaignId, campaignState, code, customerId, idOf, idPrefixes, journeyExitReason,
  journeyId, segmentChange, segmentId, skipReason, timestamp,
} from '../vocabulary.ts';

const TOPIC = 'crm.marketing';
const messageId = idOf(idPrefixes.message);
const enrollmentId = idOf(idPrefixes.enrollment);

/** Which customer a message was for and where it came from (a campaign or a journey step). */
const messageRef = {
  messageId,
  customerId,
  channel: campaignChannel,
  campaignId: campaignId.optional(),
  variant: code.optional(),
  journeyId: journeyId.optional(),
};

export const segmentMembershipChanged = defineEvent({
  type: 'crm.marketing.segment_membership_changed.v1',
  topic: TOPIC,
  description: 'A customer entered or left a dynamic segment.',
  data: z.object({ segmentId, customerId, change: segmentChange }),
});

export const campaignStateChanged = defineEvent({
  type: 'crm.marketing.campaign_state_changed.v1',
  topic: TOPIC,
  description: 'A campaign moved along its state machine. Subject: the campaign id.',
  data: z.object({
    campaignId,
    from: campaignState.nullable(),
    to: campaignState,
    channel: campaignChannel,
    segmentId: segmentId.optional(),
  }),
});

export const messageSent = defineEvent({
  type: 'crm.marketing.message_sent.v1',
  topic: TOPIC,
  description: 'A message was handed to the channel provider.',
  data: z.object({ ...messageRef, sentAt: timestamp }),
});

export const messageSkipped = defineEvent({
  type: 'crm.marketing.message_skipped.v1',
  topic: TOPIC,
  description: 'A customer in the audience got no message, and why (no consent, frequency cap, holdout...).',
  data: z.object({ ...messageRef, reason: skipReason }),
});

export const messageDelivered = defineEvent({
  type: 'crm.marketing.message_delivered.v1',
  topic: TOPIC,
  description: 'The channel reported delivery.',
  data: z.object({ ...messageRef, deliveredAt: timestamp }),
});

export const messageOpened = defineEvent({
  type: 'crm.marketing.message_opened.v1',
  topic: TOPIC,
  description: 'The channel reported an open (where it can).',
  data: z.object({ ...messageRef, openedAt: timestamp }),
});

export const messageClicked = defineEvent({
  type: 'crm.marketing.message_clicked.v1',
  topic: TOPIC,
  description: 'A tracked link was clicked; the link is named by its code, never by its URL.',
  data: z.object({ ...messageRef, linkCode: code, clickedAt: timestamp }),
});

export const messageBounced = defineEvent({
  type: 'crm.marketing.message_bounced.v1',
  topic: TOPIC,
  description: 'The channel could not deliver the message.',
  data: z.object({ ...messageRef, bounceType, bouncedAt: timestamp }),
});

export const journeyEnrolled = defineEvent({
  type: 'crm.marketing.journey_enrolled.v1',
  topic: TOPIC,
  description: 'A customer entered a triggered journey.',
  data: z.object({
    journeyId,
    enrollmentId,
    customerId,
    journeyCode: code.describe('welcome, first_purchase, birthday, low_csat_follow_up, win_back, ...'),
    triggerEventId: z.string().min(1).max(256).optional(),
  }),
});

export const journeyStepCompleted = defineEvent({
  type: 'crm.marketing.journey_step_completed.v1',
  topic: TOPIC,
  description: 'A journey step ran for a customer (a send, a wait that ended, a branch).',
  data: z.object({ journeyId, enrollmentId, customerId, stepCode: code, messageId: messageId.optional() }),
});

export const journeyExited = defineEvent({
  type: 'crm.marketing.journey_exited.v1',
  topic: TOPIC,
  description: 'A customer left a journey, and why.',
  data: z.object({ journeyId, enrollmentId, customerId, reason: journeyExitReason }),
});

export const marketingErasureConfirmed = defineEvent({
  type: 'crm.marketing.erasure_confirmed.v1',
  topic: TOPIC,
  description: 'The marketing-campaign service (including loyalty) deleted the personal data of an erased customer.',
  data: z.object({ customerId, erasedAt: timestamp, confirmedAt: timestamp }),
});
