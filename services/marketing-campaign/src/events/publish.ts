// Every event the marketing-campaign service publishes is built here from @crm/contracts and written to
// the outbox in the caller's transaction. Events carry ids and codes only, never addresses or contents.
import {
  campaignStateChanged,
  createEvent,
  journeyEnrolled,
  journeyExited,
  journeyStepCompleted,
  marketingErasureConfirmed,
  messageBounced,
  messageClicked,
  messageOpened,
  messageDelivered,
  messageSent,
  messageSkipped,
  pointsAccrued,
  pointsExpired,
  pointsRedeemed,
  pointsReversed,
  rewardRedeemed,
  segmentMembershipChanged,
  tierChanged,
  type CloudEvent,
  type EventData,
  type EventDefinition,
} from '@crm/contracts';
import { enqueue } from '@crm/event-bus';
import type { Sql } from '@crm/event-bus';

const SOURCE = '/crm/marketing-campaign';

export interface Trace {
  requestId?: string | undefined;
  causationId?: string | undefined;
}

async function publish<D>(tx: Sql, def: EventDefinition<D>, subject: string, data: D, trace: Trace = {}): Promise<void> {
  await enqueue(tx, build(def, subject, data, trace));
}

function build<D>(def: EventDefinition<D>, subject: string, data: D, trace: Trace = {}) {
  return createEvent(def, {
    source: SOURCE,
    subject,
    data: Object.fromEntries(Object.entries(data as object).filter(([, v]) => v !== undefined)) as D,
    ...(trace.requestId ? { correlationId: trace.requestId } : {}),
    ...(trace.causationId ? { causationId: trace.causationId } : {}),
  });
}

/** A journey send step's events (step completed and, when the policy skipped it, message skipped) in one outbox statement. */
export async function publishSendStep(
  tx: Sql,
  step: EventData<typeof journeyStepCompleted>,
  skipped: EventData<typeof messageSkipped> | null,
  trace: Trace = {},
): Promise<void> {
  const events: CloudEvent[] = [build(journeyStepCompleted, step.customerId, step, trace)];
  if (skipped) events.push(build(messageSkipped, skipped.customerId, skipped, trace));
  await enqueue(tx, events);
}

/** Many membership changes (each with its own trace) in one outbox statement. */
async function publishMembershipChanges(tx: Sql, changes: Array<{ segmentId: string; customerId: string; change: 'entered' | 'left'; trace: Trace }>): Promise<void> {
  if (changes.length === 0) return;
  await enqueue(tx, changes.map(({ trace, ...data }) => createEvent(segmentMembershipChanged, {
    source: SOURCE,
    subject: data.customerId,
    data,
    ...(trace.requestId ? { correlationId: trace.requestId } : {}),
    ...(trace.causationId ? { causationId: trace.causationId } : {}),
  })));
}

type D<T> = T extends EventDefinition<infer X> ? X : never;
const by = <T extends EventDefinition<any>>(def: T, subjectOf: (d: D<T>) => string) =>
  (tx: Sql, data: EventData<T>, trace?: Trace) => publish(tx, def, subjectOf(data as D<T>), data as D<T>, trace);

export const publishers = {
  segmentMembershipChanged: by(segmentMembershipChanged, (d) => d.customerId),
  segmentMembershipChangedMany: publishMembershipChanges,
  campaignStateChanged: by(campaignStateChanged, (d) => d.campaignId),
  messageSent: by(messageSent, (d) => d.customerId),
  messageSkipped: by(messageSkipped, (d) => d.customerId),
  messageDelivered: by(messageDelivered, (d) => d.customerId),
  messageBounced: by(messageBounced, (d) => d.customerId),
  messageOpened: by(messageOpened, (d) => d.customerId),
  messageClicked: by(messageClicked, (d) => d.customerId),
  journeyEnrolled: by(journeyEnrolled, (d) => d.customerId),
  journeyStepCompleted: by(journeyStepCompleted, (d) => d.customerId),
  journeyExited: by(journeyExited, (d) => d.customerId),
  erasureConfirmed: by(marketingErasureConfirmed, (d) => d.customerId),
  pointsAccrued: by(pointsAccrued, (d) => d.customerId),
  pointsReversed: by(pointsReversed, (d) => d.customerId),
  pointsRedeemed: by(pointsRedeemed, (d) => d.customerId),
  pointsExpired: by(pointsExpired, (d) => d.customerId),
  rewardRedeemed: by(rewardRedeemed, (d) => d.customerId),
  tierChanged: by(tierChanged, (d) => d.customerId),
};
