// The campaign runner: at send time, for each member of the segment, decide (consent for the channel and
// purpose marketing, quiet hours in the customer's zone, frequency cap across campaigns), record the skip
// or claim the send, deliver, record the outcome. The claim is a row under UNIQUE (campaign, customer,
// variant, run): it is committed before the message leaves, so a restarted or a second runner never sends
// to anyone twice (at most once: a crash between claim and delivery leaves the row in "sending").
import { newId } from '@crm/contracts';
import type { Logger } from 'pino';
import {
  assignArm,
  nextRunAt,
  render,
  RuleSchema,
  type Channel,
  type Experiment,
  type Schedule,
  type SendPolicy,
  type Template,
} from '../domain/index.ts';
import type { Campaign } from '../generated/prisma/client.ts';
import type { Db } from '../db.ts';
import type { Delivery, OutgoingMessage } from '../delivery/index.ts';
import { publishers } from '../events/publish.ts';
import { moveCampaign } from './campaigns.ts';
import { recomputeSegment } from './facts.ts';
import { contractReason, decideFor, templateValues } from './sending.ts';

export interface RunnerDeps {
  db: Db;
  delivery: Delivery;
  logger: Logger;
  clock?: () => Date;
  /** Members processed at the same time (default 4). */
  concurrency?: number;
}

export interface RunOutcome {
  sent: number;
  skipped: number;
  holdout: number;
  failed: number;
  /** The run went over every member (it may still have deferred retries). */
  finished: boolean;
  stoppedBy?: 'limit' | 'state';
}

const variantCode = (v: string) => (/^[a-z0-9][a-z0-9_.:-]{0,63}$/.test(v.toLowerCase()) ? v.toLowerCase() : undefined);

type Claim =
  | { kind: 'none' }
  | { kind: 'skipped'; retryAt?: Date | undefined }
  | { kind: 'holdout' }
  | { kind: 'send'; sendId: string; message: OutgoingMessage };

async function claimMember(deps: RunnerDeps, c: Campaign, customerId: string, now: Date): Promise<Claim> {
  const experiment = c.experiment as Experiment;
  const channel = c.channel as Channel;
  const policy = c.policy as Partial<SendPolicy>;
  const arm = assignArm(c.id, customerId, experiment);
  const variantId = arm.arm === 'holdout' ? 'holdout' : arm.variantId;
  const key = { campaignId: c.id, customerId, variantId, runKey: c.currentRunKey };
  return deps.db.$transaction(async (tx) => {
    const { row, decision } = await decideFor(tx, customerId, channel, 'marketing', policy, now);
    const existing = await tx.campaignSend.findUnique({ where: { campaignId_customerId_variantId_runKey: key } });
    if (existing && !(existing.status === 'skipped' && existing.retryAt)) return { kind: 'none' };
    const ref = { messageId: existing?.id ?? newId('msg'), customerId, channel, campaignId: c.id, variant: variantCode(variantId) };
    if (!decision.send) {
      const retryAt = decision.retryAt ?? null;
      if (existing) {
        await tx.campaignSend.update({ where: { id: existing.id }, data: { skipReason: decision.reason, retryAt } });
        return { kind: 'skipped', retryAt: retryAt ?? undefined };
      }
      const n = await tx.campaignSend.createMany({ data: [{ id: ref.messageId, ...key, channel, status: 'skipped', skipReason: decision.reason, retryAt, createdAt: now }], skipDuplicates: true });
      if (n.count === 0) return { kind: 'none' };
      await publishers.messageSkipped(tx, { ...ref, reason: contractReason(decision.reason) });
      return { kind: 'skipped', retryAt: retryAt ?? undefined };
    }
    if (arm.arm === 'holdout') {
      // Held out but eligible: the comparison group for uplift (exposure time = now).
      if (existing) await tx.campaignSend.update({ where: { id: existing.id }, data: { status: 'holdout', skipReason: null, retryAt: null, createdAt: now } });
      else if ((await tx.campaignSend.createMany({ data: [{ id: ref.messageId, ...key, channel, status: 'holdout', createdAt: now }], skipDuplicates: true })).count === 0) return { kind: 'none' };
      await publishers.messageSkipped(tx, { ...ref, reason: 'holdout' });
      return { kind: 'holdout' };
    }
    if (existing) {
      const n = await tx.campaignSend.updateMany({ where: { id: existing.id, status: 'skipped' }, data: { status: 'sending', skipReason: null, retryAt: null } });
      if (n.count === 0) return { kind: 'none' };
    } else {
      const n = await tx.campaignSend.createMany({ data: [{ id: ref.messageId, ...key, channel, status: 'sending', createdAt: now }], skipDuplicates: true });
      if (n.count === 0) return { kind: 'none' };
    }
    const variant = experiment.variants.find((v) => v.id === variantId)!;
    const template = (c.templates as Template[]).find((t) => t.key === variant.templateId)!;
    const rendered = render(template, await templateValues(tx, row!, { campaignName: c.name }));
    return {
      kind: 'send',
      sendId: ref.messageId,
      message: {
        messageId: ref.messageId,
        customerId,
        channel,
        to: { email: row!.email, phone: row!.phone },
        subject: rendered.subject,
        body: rendered.body,
        html: template.format === 'html',
      },
    };
  });
}

async function recordOutcome(deps: RunnerDeps, c: Campaign, claim: Extract<Claim, { kind: 'send' }>, variantId: string) {
  const outcome = await deps.delivery.send(claim.message);
  const at = (deps.clock ?? (() => new Date()))();
  const ref = { messageId: claim.sendId, customerId: claim.message.customerId, channel: claim.message.channel, campaignId: c.id, variant: variantCode(variantId) };
  await deps.db.$transaction(async (tx) => {
    if (outcome.status === 'sent' || outcome.status === 'exported') {
      await tx.campaignSend.update({ where: { id: claim.sendId }, data: { status: outcome.status, sentAt: at } });
      await publishers.messageSent(tx, { ...ref, sentAt: at.toISOString() });
    } else if (outcome.status === 'bounced') {
      await tx.campaignSend.update({ where: { id: claim.sendId }, data: { status: 'bounced', sentAt: at, bouncedAt: at, error: outcome.error.slice(0, 500) } });
      await publishers.messageBounced(tx, { ...ref, bounceType: 'hard', bouncedAt: at.toISOString() });
    } else {
      await tx.campaignSend.update({ where: { id: claim.sendId }, data: { status: 'failed', error: outcome.error.slice(0, 500) } });
    }
  });
  return outcome.status;
}

/** Run (or continue) the current run of a running campaign. */
export async function runCampaign(deps: RunnerDeps, campaignId: string, opts: { stopAfterSends?: number } = {}): Promise<RunOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const out: RunOutcome = { sent: 0, skipped: 0, holdout: 0, failed: 0, finished: false };
  let c = await deps.db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.state !== 'running') return { ...out, stoppedBy: 'state' };
  const segment = await deps.db.segment.findUnique({ where: { id: c.segmentId } });
  if (segment?.kind === 'dynamic' && segment.rule && !segment.deletedAt) {
    // Membership as of send time (time windows such as "no purchase for 90 days" move without events).
    const rule = RuleSchema.parse(segment.rule);
    await deps.db.$transaction((tx) => recomputeSegment(tx, { id: segment.id, rule }, clock()), { timeout: 300_000 });
  }
  let retryAt = null as Date | null;
  let cursor = '';
  for (;;) {
    const members = await deps.db.segmentMember.findMany({
      where: { segmentId: c.segmentId, customerId: { gt: cursor } },
      orderBy: { customerId: 'asc' },
      take: 200,
      select: { customerId: true },
    });
    if (members.length === 0) break;
    cursor = members[members.length - 1]!.customerId;
    c = await deps.db.campaign.findUnique({ where: { id: campaignId } });
    if (!c || c.state !== 'running') return { ...out, stoppedBy: 'state' };
    const done = await deps.db.campaignSend.findMany({
      where: { campaignId, runKey: c.currentRunKey, customerId: { in: members.map((m) => m.customerId) } },
      select: { customerId: true, status: true, retryAt: true },
    });
    const byCustomer = new Map(done.map((d) => [d.customerId, d]));
    // A few members at a time: delivery latency overlaps, and the per-row claim keeps it exact.
    const queue = [...members];
    let limitHit = false;
    let inFlightSends = 0;
    const campaign = c;
    const worker = async () => {
      for (let next = queue.shift(); next && !limitHit; next = queue.shift()) {
        const { customerId } = next;
        const now = clock();
        const prior = byCustomer.get(customerId);
        if (prior && !(prior.status === 'skipped' && prior.retryAt)) continue;
        if (prior?.retryAt && prior.retryAt > now) {
          retryAt = retryAt && retryAt < prior.retryAt ? retryAt : prior.retryAt;
          continue;
        }
        // reserve a send slot first so that a limit (a sender told to stop after N) is exact
        if (opts.stopAfterSends !== undefined) {
          const limit = opts.stopAfterSends;
          while (out.sent < limit && out.sent + inFlightSends >= limit) await new Promise((r) => setTimeout(r, 5));
          if (out.sent >= limit) {
            limitHit = true;
            break;
          }
        }
        inFlightSends++;
        try {
          const claim = await claimMember(deps, campaign, customerId, now);
          if (claim.kind === 'skipped') {
            out.skipped++;
            if (claim.retryAt) retryAt = retryAt && retryAt < claim.retryAt ? retryAt : claim.retryAt;
          } else if (claim.kind === 'holdout') out.holdout++;
          else if (claim.kind === 'send') {
            const arm = assignArm(campaign.id, customerId, campaign.experiment as Experiment);
            const status = await recordOutcome(deps, campaign, claim, arm.arm === 'variant' ? arm.variantId : 'holdout');
            if (status === 'failed') out.failed++;
            else out.sent++;
          }
        } finally {
          inFlightSends--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 4) }, worker));
    if (limitHit || (opts.stopAfterSends !== undefined && out.sent >= opts.stopAfterSends)) return { ...out, stoppedBy: 'limit' };
  }
  out.finished = true;
  await finishRun(deps, campaignId, retryAt, clock());
  return out;
}

/** After a full pass: wait for deferred retries, schedule the next recurring run, or complete. */
async function finishRun(deps: RunnerDeps, campaignId: string, retryAt: Date | null, now: Date) {
  await deps.db.$transaction(async (tx) => {
    // Two runners may finish the same pass: the row lock lets exactly one move the campaign on.
    await tx.$queryRawUnsafe(`SELECT id FROM campaign WHERE id = $1 FOR UPDATE`, campaignId);
    const c = await tx.campaign.findUnique({ where: { id: campaignId } });
    if (!c || c.state !== 'running') return;
    if (retryAt) {
      await tx.campaign.update({ where: { id: campaignId }, data: { nextRunAt: retryAt, leaseUntil: null } });
      return;
    }
    const schedule = c.schedule as Schedule;
    const next = schedule.kind === 'recurring' ? nextRunAt(schedule, now) : null;
    if (next) {
      await tx.campaign.update({ where: { id: campaignId }, data: { nextRunAt: next, currentRunKey: next.toISOString(), leaseUntil: null } });
      return;
    }
    await moveCampaign(tx, campaignId, 'complete', now, {});
  });
}
