// Campaign use cases: create/update drafts, move along the state machine (each move publishes
// campaign_state_changed in the same transaction), and results per variant with uplift vs holdout.
import { newId } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import { Decimal } from 'decimal.js';
import {
  campaignResults,
  nextRunAt,
  scheduleIssues,
  transition,
  type ArmCounts,
  type CampaignAction,
  type CampaignState,
  type Channel,
  type Experiment,
  type Schedule,
  type SendPolicy,
  type Template,
} from '../domain/index.ts';
import type { Campaign } from '../generated/prisma/client.ts';
import type { Db, Tx } from '../db.ts';
import { publishers, type Trace } from '../events/publish.ts';

export interface CampaignInput {
  name: string;
  segmentId: string;
  channel: Channel;
  templates: Template[];
  experiment: Experiment;
  schedule: Schedule;
  policy?: Partial<SendPolicy> | undefined;
  attributionWindowDays?: number | undefined;
}

export function campaignView(c: Campaign) {
  return {
    id: c.id,
    name: c.name,
    segmentId: c.segmentId,
    channel: c.channel as Channel,
    templates: c.templates as Template[],
    experiment: c.experiment as Experiment,
    schedule: c.schedule as Schedule,
    policy: c.policy as Partial<SendPolicy>,
    attributionWindowDays: c.attributionWindowDays,
    state: c.state as CampaignState,
    nextRunAt: c.nextRunAt?.toISOString() ?? null,
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
export type CampaignView = ReturnType<typeof campaignView>;

function checkTemplates(input: Pick<CampaignInput, 'templates' | 'experiment' | 'channel'>) {
  const keys = new Set(input.templates.map((t) => t.key));
  const errors = input.experiment.variants
    .map((v, i) => (keys.has(v.templateId) ? null : { path: `body.experiment.variants.${i}.templateId`, message: `no template "${v.templateId}"` }))
    .filter((e) => e !== null);
  if (input.channel === 'email') {
    input.templates.forEach((t, i) => {
      if (!t.subject) errors.push({ path: `body.templates.${i}.subject`, message: 'e-mail templates need a subject' });
    });
  }
  if (errors.length > 0) throw HttpProblem.badRequest('invalid campaign', { errors });
}

async function checkSegment(tx: Tx, segmentId: string) {
  const seg = await tx.segment.findFirst({ where: { id: segmentId, deletedAt: null }, select: { id: true } });
  if (!seg) throw HttpProblem.badRequest(`unknown segment ${segmentId}`, { errors: [{ path: 'body.segmentId', message: 'unknown segment' }] });
}

export async function createCampaign(db: Db, input: CampaignInput, actor: string, trace: Trace) {
  checkTemplates(input);
  return db.$transaction(async (tx) => {
    await checkSegment(tx, input.segmentId);
    const c = await tx.campaign.create({
      data: {
        id: newId('cmp'),
        name: input.name,
        segmentId: input.segmentId,
        channel: input.channel,
        templates: input.templates,
        experiment: input.experiment,
        schedule: input.schedule,
        policy: input.policy ?? {},
        attributionWindowDays: input.attributionWindowDays ?? 7,
        state: 'draft',
        createdBy: actor,
      },
    });
    await publishers.campaignStateChanged(tx, { campaignId: c.id, from: null, to: 'draft', channel: input.channel, segmentId: input.segmentId }, trace);
    return campaignView(c);
  });
}

export async function getCampaign(db: Db | Tx, id: string) {
  const c = await db.campaign.findUnique({ where: { id } });
  if (!c) throw HttpProblem.notFound(`no campaign ${id}`);
  return c;
}

export async function listCampaigns(db: Db, state: string | undefined, limit: number, after?: string) {
  const rows = await db.campaign.findMany({
    where: { ...(state ? { state } : {}), ...(after ? { id: { lt: after } } : {}) },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  return { items: rows.slice(0, limit).map(campaignView), next: rows.length > limit ? rows[limit - 1]!.id : null };
}

function checkVersion(c: Campaign, ifMatch: number | undefined) {
  if (ifMatch !== undefined && ifMatch !== c.version) throw HttpProblem.preconditionFailed(`campaign is at version ${c.version}`);
}

export async function updateCampaign(db: Db, id: string, patch: Partial<CampaignInput>, ifMatch: number | undefined) {
  return db.$transaction(async (tx) => {
    const c = await getCampaign(tx, id);
    checkVersion(c, ifMatch);
    if (c.state !== 'draft') throw HttpProblem.conflict(`only draft campaigns can be edited (state ${c.state})`);
    const merged = { ...campaignView(c), ...patch };
    checkTemplates(merged);
    if (patch.segmentId) await checkSegment(tx, patch.segmentId);
    const updated = await tx.campaign.update({
      where: { id },
      data: {
        name: merged.name,
        segmentId: merged.segmentId,
        channel: merged.channel,
        templates: merged.templates,
        experiment: merged.experiment,
        schedule: merged.schedule,
        policy: merged.policy ?? {},
        attributionWindowDays: merged.attributionWindowDays,
        version: { increment: 1 },
        updatedAt: new Date(),
      },
    });
    return campaignView(updated);
  });
}

export async function deleteCampaign(db: Db, id: string) {
  await db.$transaction(async (tx) => {
    const c = await getCampaign(tx, id);
    if (c.state !== 'draft' && c.state !== 'cancelled') throw HttpProblem.conflict(`cancel the campaign first (state ${c.state})`);
    if ((await tx.campaignSend.count({ where: { campaignId: id } })) > 0) throw HttpProblem.conflict('the campaign has sends; it stays for its results');
    await tx.campaign.delete({ where: { id } });
  });
}

/** Move a campaign along its state machine; `now` decides whether a schedule lies in the past. */
export async function moveCampaign(db: Db | Tx, id: string, action: CampaignAction, now: Date, trace: Trace, ifMatch?: number) {
  const run = async (tx: Tx) => {
    const [locked] = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM campaign WHERE id = $1 FOR UPDATE`, id);
    if (!locked) throw HttpProblem.notFound(`no campaign ${id}`);
    const c = await getCampaign(tx, id);
    checkVersion(c, ifMatch);
    const t = transition(c.state as CampaignState, action);
    if (!t.ok) throw HttpProblem.conflict(`cannot ${action} a ${c.state} campaign`, { allowed: t.allowed });
    const schedule = c.schedule as Schedule;
    let next: Date | null = c.nextRunAt;
    let runKey = c.currentRunKey;
    if (action === 'schedule') {
      const issues = scheduleIssues(schedule, now);
      if (issues.length > 0) throw HttpProblem.badRequest('invalid schedule', { errors: issues.map((i) => ({ path: ['body', 'schedule', ...i.path].join('.'), message: i.message })) });
      next = nextRunAt(schedule, now);
    }
    if (action === 'start') {
      next = now;
      runKey = schedule.kind === 'recurring' ? now.toISOString() : '';
    }
    if (action === 'resume') next = now;
    if (action === 'cancel' || action === 'complete' || action === 'unschedule') next = null;
    const updated = await tx.campaign.update({
      where: { id },
      data: { state: t.to, nextRunAt: next, currentRunKey: runKey, leaseUntil: null, version: { increment: 1 }, updatedAt: now },
    });
    await publishers.campaignStateChanged(tx, { campaignId: id, from: t.from, to: t.to, channel: c.channel as Channel, segmentId: c.segmentId }, trace);
    return campaignView(updated);
  };
  return 'campaign' in db && '$transaction' in db ? (db as Db).$transaction(run) : run(db as Tx);
}

/** Results per variant: sent, delivered, opened, clicked, converted, revenue; uplift vs the holdout. */
export async function campaignResultsFor(db: Db, id: string) {
  const c = await getCampaign(db, id);
  const rows = await db.$queryRawUnsafe<
    { variant_id: string; status: string; skip_reason: string | null; n: bigint; sent: bigint; delivered: bigint; opened: bigint; clicked: bigint; converted: bigint; revenue: string }[]
  >(
    `SELECT variant_id, status, skip_reason, count(*) AS n,
            count(sent_at) AS sent, count(delivered_at) AS delivered, count(opened_at) AS opened,
            count(clicked_at) AS clicked, count(converted_at) AS converted, coalesce(sum(revenue), 0)::text AS revenue
       FROM campaign_send WHERE campaign_id = $1 GROUP BY variant_id, status, skip_reason`,
    id,
  );
  const experiment = c.experiment as Experiment;
  const arms = new Map<string, ArmCounts>();
  const blank = (): ArmCounts => ({ recipients: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, converted: 0, revenue: '0' });
  for (const v of experiment.variants) arms.set(v.id, blank());
  let holdout: ArmCounts | null = experiment.holdoutPercent > 0 ? blank() : null;
  const skipped: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  for (const r of rows) {
    statuses[r.status] = (statuses[r.status] ?? 0) + Number(r.n);
    if (r.status === 'skipped') {
      skipped[r.skip_reason ?? 'unknown'] = (skipped[r.skip_reason ?? 'unknown'] ?? 0) + Number(r.n);
      continue;
    }
    const target = r.variant_id === 'holdout' ? (holdout ??= blank()) : arms.get(r.variant_id);
    if (!target) continue;
    target.recipients += Number(r.n);
    target.sent += Number(r.sent);
    target.delivered += Number(r.delivered);
    target.opened += Number(r.opened);
    target.clicked += Number(r.clicked);
    target.converted += Number(r.converted);
    target.revenue = new Decimal(target.revenue).plus(r.revenue).toString();
  }
  return {
    campaignId: id,
    state: c.state,
    attributionWindowDays: c.attributionWindowDays,
    statuses,
    skipped,
    ...campaignResults(Object.fromEntries(arms), holdout),
  };
}

/** Direct mail: the CSV the print house gets (one row per exported message, with the postal address). */
export async function directMailCsv(db: Db, id: string): Promise<string> {
  const c = await getCampaign(db, id);
  if (c.channel !== 'direct_mail') throw HttpProblem.conflict('only direct_mail campaigns have a print export');
  const rows = await db.$queryRawUnsafe<{ id: string; customer_id: string; variant_id: string; given_name: string | null; postal_address: { lines?: string[]; postalCode?: string; city?: string; region?: string; country?: string } | null }[]>(
    `SELECT s.id, s.customer_id, s.variant_id, f.given_name, f.postal_address
       FROM campaign_send s JOIN customer_facts f ON f.customer_id = s.customer_id
      WHERE s.campaign_id = $1 AND s.status = 'exported' AND f.erased_at IS NULL AND f.postal_address IS NOT NULL
      ORDER BY s.id`,
    id,
  );
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['messageId', 'customerId', 'variant', 'name', 'line1', 'line2', 'line3', 'line4', 'postalCode', 'city', 'region', 'country'];
  const lines = rows.map((r) => {
    const a = r.postal_address ?? {};
    const l = a.lines ?? [];
    return [r.id, r.customer_id, r.variant_id, r.given_name, l[0], l[1], l[2], l[3], a.postalCode, a.city, a.region, a.country].map(esc).join(',');
  });
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
