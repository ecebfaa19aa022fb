// A campaign end to end on the real broker, database and SMTP catcher: facts arrive as real contract
// events through the real consumer; the runner decides at send time and delivers over SMTP.
import { customerConsentChanged, customerProfile, customerRegistered, purchaseRecorded } from '@crm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveCampaign } from '../../src/application/campaigns.ts';
import { runCampaign } from '../../src/application/runner.ts';
import { createDelivery } from '../../src/delivery/index.ts';
import { bearer, ev, newId, startMarketingService, until, type MarketingService } from './harness.ts';

let svc: MarketingService;
let marketer: Record<string, string>;
const tag = `cmp${Math.random().toString(36).slice(2, 8)}`;
const customers: string[] = [];
const withdrawn = new Set<string>();
let segmentId: string;

beforeAll(async () => {
  svc = await startMarketingService({ consumer: true });
  marketer = bearer(svc.token('marketer'));
  // the dynamic segment exists first; membership follows the events as they arrive
  const seg = await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'campaign audience', rule: { field: 'tags', op: 'contains', value: tag } } });
  segmentId = seg.json().id;
  const t0 = Date.now() - 60_000;
  const events = [];
  for (let i = 0; i < 200; i++) {
    const id = newId('cus');
    customers.push(id);
    events.push(
      ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'new', source: 'api' }),
      ev(customerProfile, id, {
        customerId: id, kind: 'person', version: 1, displayName: `Customer ${i}`, givenName: `C${i}`,
        emails: [{ address: `c${i}.${tag}@example.com`, primary: true, verified: true }], phones: [], postalAddresses: [],
        country: 'DE', timeZone: i % 2 ? 'Europe/Berlin' : 'America/New_York', lifecycleStage: 'new', tags: [tag], externalIds: [], updatedAt: new Date(t0).toISOString(),
      }),
      ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: new Date(t0).toISOString() }),
    );
    if (i % 10 === 3) {
      withdrawn.add(id);
      events.push(ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: false, source: 'unsubscribe_link', effectiveAt: new Date(t0 + 1000).toISOString() }));
    }
  }
  await svc.publish(events);
  await until(async () => (await svc.db.segmentMember.count({ where: { segmentId } })) === 200, 60_000, '200 segment members');
  await until(async () => {
    const [r] = await svc.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM customer_facts WHERE consent @> '[{"channel":"email","purpose":"marketing","state":"withdrawn"}]'`);
    return Number(r!.n) === 20;
  }, 60_000, '20 withdrawals');
}, 180_000);
afterAll(async () => svc?.close());

async function createCampaign(name: string, holdoutPercent = 0) {
  const res = await svc.app.inject({
    method: 'POST', url: '/v1/campaigns', headers: marketer,
    payload: {
      name, segmentId, channel: 'email',
      templates: [
        { key: 'a', format: 'text', subject: `${name} A`, body: 'Hello {{firstName|there}}, you have {{points}} points.' },
        { key: 'b', format: 'html', subject: `${name} B`, body: '<p>Hi {{firstName}}</p>' },
      ],
      experiment: { variants: [{ id: 'a', weight: 50, templateId: 'a' }, { id: 'b', weight: 50, templateId: 'b' }], holdoutPercent },
      schedule: { kind: 'now' },
      attributionWindowDays: 7,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  expect((await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/schedule`, headers: marketer })).statusCode).toBe(200);
  expect((await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/start`, headers: marketer })).json().state).toBe('running');
  return id;
}

const mailsFor = async (name: string) => (await svc.mails()).filter((m) => m.subject.startsWith(`${name} `));

describe('campaign run', () => {
  it('200 members, 20 withdrew e-mail consent: exactly 180 e-mails, 20 skips with the reason; a killed sender resumes without sending anyone twice', async () => {
    const name = `spring-${tag}`;
    const id = await createCampaign(name);
    // the first sender stops after 70 messages (as if killed); a new one with its own SMTP pool takes over
    const first = await runCampaign({ db: svc.db, delivery: svc.delivery, logger: svc.logger }, id, { stopAfterSends: 70 });
    expect(first).toMatchObject({ sent: 70, stoppedBy: 'limit', finished: false });
    expect((await svc.db.campaign.findUniqueOrThrow({ where: { id } })).state).toBe('running');
    const delivery2 = createDelivery({ smtpHost: '127.0.0.1', smtpPort: svc.smtpPort, mailFrom: 'CRM <marketing@crm.local>', providerUrl: 'http://127.0.0.1:1' });
    const second = await runCampaign({ db: svc.db, delivery: delivery2, logger: svc.logger }, id);
    await delivery2.close();
    expect(second.finished).toBe(true);
    expect(second.sent).toBe(110);

    const mails = await until(async () => {
      const m = await mailsFor(name);
      return m.length >= 180 ? m : null;
    }, 20_000, '180 mails');
    expect(mails).toHaveLength(180);
    const recipients = new Set(mails.map((m) => m.to[0]!.address));
    expect(recipients.size).toBe(180);
    for (const id of withdrawn) expect(mails.some((m) => m.to[0]!.address.startsWith(`c${customers.indexOf(id)}.`))).toBe(false);
    // personalisation reached the message
    expect(mails.some((m) => /Hello C\d+, you have 0 points\./.test(m.text ?? ''))).toBe(true);

    const skips = await svc.db.campaignSend.findMany({ where: { campaignId: id, status: 'skipped' } });
    expect(skips).toHaveLength(20);
    expect(new Set(skips.map((s) => s.skipReason))).toEqual(new Set(['consent_withdrawn']));
    expect(new Set(skips.map((s) => s.customerId))).toEqual(withdrawn);
    expect(await svc.db.campaignSend.count({ where: { campaignId: id, status: 'sent' } })).toBe(180);
    expect((await svc.db.campaign.findUniqueOrThrow({ where: { id } })).state).toBe('completed');

    // outcomes are events (for the interaction timeline); skips say why, with the contract's vocabulary
    const sent = await svc.db.outboxEvent.count({ where: { type: 'crm.marketing.message_sent.v1', payload: { path: ['data', 'campaignId'], equals: id } } });
    const skipped = await svc.db.outboxEvent.findMany({ where: { type: 'crm.marketing.message_skipped.v1', payload: { path: ['data', 'campaignId'], equals: id } } });
    expect(sent).toBe(180);
    expect(skipped.map((s) => (s.payload as { data: { reason: string } }).data.reason)).toEqual(Array(20).fill('no_consent'));

    // a third run finds nothing to do
    expect((await runCampaign({ db: svc.db, delivery: svc.delivery, logger: svc.logger }, id)).sent).toBe(0);
    expect(await mailsFor(name)).toHaveLength(180);
  });

  it('two senders at once still send each customer one message; results per variant with uplift vs the holdout', async () => {
    const name = `summer-${tag}`;
    const id = await createCampaign(name, 20);
    const deps = { db: svc.db, delivery: svc.delivery, logger: svc.logger };
    const [a, b] = await Promise.all([runCampaign(deps, id), runCampaign(deps, id)]);
    const holdout = await svc.db.campaignSend.count({ where: { campaignId: id, status: 'holdout' } });
    expect(a.sent + b.sent + holdout).toBe(180);
    expect(holdout).toBeGreaterThan(15);
    expect(holdout).toBeLessThan(60);
    const mails = await until(async () => {
      const m = await mailsFor(name);
      return m.length >= 180 - holdout ? m : null;
    }, 20_000, 'mails');
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsFor(name)).toHaveLength(180 - holdout);
    expect(new Set(mails.map((m) => m.to[0]!.address)).size).toBe(mails.length);

    // purchases within the window convert: two sent customers and one held-out customer buy
    const sends = await svc.db.campaignSend.findMany({ where: { campaignId: id }, orderBy: { customerId: 'asc' } });
    const buyers = [...sends.filter((s) => s.status === 'sent').slice(0, 2), sends.find((s) => s.status === 'holdout')!];
    await svc.publish(buyers.map((s) => ev(purchaseRecorded, s.customerId, {
      purchaseId: newId('pur'), orderId: `o-${s.id}`, customerId: s.customerId, amount: '20.00', currency: 'EUR',
      occurredAt: new Date(Date.now() + 1000).toISOString(), channel: 'web', lineCount: 1, source: 'api',
    })));
    await until(async () => (await svc.db.campaignSend.count({ where: { campaignId: id, convertedAt: { not: null } } })) === 3, 30_000, 'conversions');
    const results = (await svc.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/results`, headers: bearer(svc.token('analyst')) })).json();
    const variants = results.variants as { variantId: string; counts: { recipients: number; sent: number; converted: number; revenue: string }; uplift: { newcombe: { lower: number; upper: number } } | null }[];
    expect(variants.map((v) => v.variantId).sort()).toEqual(['a', 'b']);
    expect(variants.reduce((s, v) => s + v.counts.sent, 0)).toBe(180 - holdout);
    expect(variants.reduce((s, v) => s + v.counts.converted, 0)).toBe(2);
    expect(results.holdout.counts).toMatchObject({ recipients: holdout, converted: 1 });
    expect(variants[0]!.uplift!.newcombe.lower).toBeLessThan(variants[0]!.uplift!.newcombe.upper);
    expect(results.skipped).toEqual({ consent_withdrawn: 20 });
  });

  it('pausing stops a run; the state machine refuses an impossible move with 409', async () => {
    const id = await createCampaign(`autumn-${tag}`);
    await moveCampaign(svc.db, id, 'pause', new Date(), {});
    expect((await runCampaign({ db: svc.db, delivery: svc.delivery, logger: svc.logger }, id)).stoppedBy).toBe('state');
    const res = await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/start`, headers: marketer });
    expect(res.statusCode).toBe(409);
    expect(res.json().allowed).toEqual(['resume', 'cancel']);
    expect((await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers: marketer })).json().state).toBe('cancelled');
  });
});
