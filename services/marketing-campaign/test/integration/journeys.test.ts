// Journeys and privacy through the real consumer: churn risk enrols win-back, a purchase ends it, waits
// run from the database; erasure wipes personal data and is confirmed; SMS goes through the provider sink.
import {
  churnRiskCleared, churnRiskRaised, customerConsentChanged, customerErased, customerProfile, customerRegistered,
  purchaseRecorded, ticketClosed, ticketSatisfactionRated,
} from '@crm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJourneySends, wakeDueJourneys } from '../../src/application/journeys.ts';
import { runCampaign } from '../../src/application/runner.ts';
import { bearer, ev, newId, startMarketingService, until, type MarketingService } from './harness.ts';

let svc: MarketingService;

beforeAll(async () => {
  svc = await startMarketingService({ consumer: true });
}, 90_000);
afterAll(async () => svc?.close());

const iso = (d = new Date()) => d.toISOString();

async function customer(opts: { phone?: string } = {}) {
  const id = newId('cus');
  await svc.publish([
    ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'active', source: 'api' }),
    ev(customerProfile, id, {
      customerId: id, kind: 'person', version: 1, displayName: 'Win Back', givenName: 'Wim',
      emails: [{ address: `${id.toLowerCase()}@example.com`, primary: true, verified: true }],
      phones: opts.phone ? [{ number: opts.phone, primary: true, verified: true }] : [], postalAddresses: [],
      country: 'NL', timeZone: 'Europe/Amsterdam', birthday: '1990-04-01', lifecycleStage: 'active', tags: [], externalIds: [], updatedAt: iso(),
    }),
    ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: iso() }),
    ev(customerConsentChanged, id, { customerId: id, channel: 'sms', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: iso() }),
  ]);
  await until(async () => (await svc.db.customerFacts.findUnique({ where: { customerId: id } }))?.email, 30_000, 'facts');
  await until(async () => (await svc.db.journeyInstance.findFirst({ where: { customerId: id, journeyKey: 'welcome' } })), 30_000, 'welcome');
  return id;
}

const instance = (customerId: string, journeyKey: string) => svc.db.journeyInstance.findFirst({ where: { customerId, journeyKey }, orderBy: { createdAt: 'desc' } });

describe('win-back journey', () => {
  it('a churn-risk event enrols the customer, the first message goes out, a later purchase ends the journey', async () => {
    const id = await customer();
    await svc.publish([ev(churnRiskRaised, id, { customerId: id, level: 'high', previousLevel: 'medium', probabilityAlive: 0.2, recencyDays: 200 })]);
    const enrolled = await until(() => instance(id, 'win_back'), 30_000, 'win-back instance');
    expect(enrolled.status).toBe('waiting');
    expect(enrolled.wakeAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000); // the 7-day wait is in the database
    expect((await svc.db.customerFacts.findUniqueOrThrow({ where: { customerId: id } })).churnRisk).toBe('high');

    // the offer is delivered by the dispatcher over SMTP
    await dispatchJourneySends(svc.db, svc.delivery, svc.logger);
    await until(async () => (await svc.mails()).some((m) => m.to[0]!.address === `${id.toLowerCase()}@example.com` && m.subject === 'We miss you'), 10_000, 'offer mail');
    expect(await svc.db.journeySend.count({ where: { customerId: id, journeyKey: 'win_back', status: 'sent' } })).toBe(1);

    await svc.publish([ev(purchaseRecorded, id, { purchaseId: newId('pur'), orderId: 'o-wb', customerId: id, amount: '15.00', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 1, source: 'api' })]);
    const exited = await until(async () => {
      const i = await instance(id, 'win_back');
      return i?.status === 'exited' ? i : null;
    }, 30_000, 'win-back exit');
    expect((exited.state as { exitReason: string }).exitReason).toBe('exit_on:purchase.completed');
    expect(exited.wakeAt).toBeNull();
    const exits = await svc.db.outboxEvent.findMany({ where: { type: 'crm.marketing.journey_exited.v1', key: id } });
    expect(exits.map((e) => (e.payload as { data: { reason: string } }).data.reason)).toContain('purchase');
    const journeys = await svc.app.inject({ method: 'GET', url: `/v1/journeys/instances/${id}`, headers: bearer(svc.token('marketer')) });
    expect(journeys.json().items.map((i: { journeyKey: string; status: string }) => `${i.journeyKey}:${i.status}`)).toContain('win_back:exited');
  });

  it('waits run from the database: a due instance is claimed and advanced; cleared risk leaves the journey', async () => {
    const id = await customer();
    await svc.publish([ev(churnRiskRaised, id, { customerId: id, level: 'high', previousLevel: null, probabilityAlive: 0.3, recencyDays: 120 })]);
    const inst = await until(() => instance(id, 'win_back'), 30_000, 'instance');
    // as if 7 days passed (and the process restarted): the scheduler finds it by wake_at alone
    const later = new Date(inst.wakeAt!.getTime() + 1000);
    expect(await wakeDueJourneys(svc.db, later)).toBeGreaterThanOrEqual(1);
    const advanced = (await instance(id, 'win_back'))!;
    expect((advanced.state as { stepIndex: number }).stepIndex).toBe(3);
    expect(await svc.db.journeySend.count({ where: { customerId: id, journeyKey: 'win_back' } })).toBe(2);
    expect(await wakeDueJourneys(svc.db, later)).toBe(0); // nothing due twice

    await svc.publish([ev(churnRiskCleared, id, { customerId: id, level: 'low', previousLevel: 'high', probabilityAlive: 0.8, recencyDays: 3 })]);
    const exited = await until(async () => ((await instance(id, 'win_back'))?.status === 'exited' ? instance(id, 'win_back') : null), 30_000, 'exit');
    expect((exited!.state as { exitReason: string }).exitReason).toBe('exit_on:churn_risk.cleared');
  });

  it('a ticket closed with a low rating starts the satisfaction follow-up (either event order)', async () => {
    const id = await customer();
    const ticketId = newId('tkt');
    await svc.publish([
      ev(ticketSatisfactionRated, id, { ticketId, customerId: id, rating: 1, ratedAt: iso() }),
      ev(ticketClosed, id, { ticketId, customerId: id, closedAt: iso() }),
    ]);
    const inst = await until(() => instance(id, 'low_csat_followup'), 30_000, 'follow-up');
    expect((inst.state as { context: { csat: number } }).context.csat).toBe(1);
  });
});

describe('privacy', () => {
  it('erasure deletes the personal data, leaves every journey and is confirmed on crm.marketing', async () => {
    const id = await customer();
    const erasedAt = iso();
    await svc.publish([ev(customerErased, id, { customerId: id, erasedAt })]);
    const row = await until(async () => {
      const r = await svc.db.customerFacts.findUnique({ where: { customerId: id } });
      return r?.erasedAt ? r : null;
    }, 30_000, 'erasure');
    expect(row).toMatchObject({ email: null, phone: null, givenName: null, birthday: null, postalAddress: null, timeZone: null });
    expect(await svc.db.journeyInstance.count({ where: { customerId: id, status: { in: ['active', 'waiting'] } } })).toBe(0);
    const confirmed = await svc.db.outboxEvent.findFirst({ where: { type: 'crm.marketing.erasure_confirmed.v1', key: id } });
    expect((confirmed!.payload as { data: { erasedAt: string } }).data.erasedAt).toBe(erasedAt);
    // a late profile event cannot bring the data back
    await svc.publish([ev(customerProfile, id, {
      customerId: id, kind: 'person', version: 2, displayName: 'Back', emails: [{ address: 'back@example.com', primary: true, verified: true }],
      phones: [], postalAddresses: [], lifecycleStage: 'active', tags: [], externalIds: [], updatedAt: iso(),
    })]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await svc.db.customerFacts.findUniqueOrThrow({ where: { customerId: id } })).email).toBeNull();
  });

  it('a tombstone on the profile topic removes the contact data', async () => {
    const id = await customer();
    const producer = svc.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'crm.customer.profile', messages: [{ key: id, value: null }] });
    await producer.disconnect();
    await until(async () => (await svc.db.customerFacts.findUnique({ where: { customerId: id } }))?.email === null, 30_000, 'tombstone');
  });
});

describe('sms through the HTTP provider adapter', () => {
  it('delivers to the development sink, which records the request (admin-only read)', async () => {
    const id = await customer({ phone: '+31612345678' });
    const admin = bearer(svc.token('admin'));
    const marketer = bearer(svc.token('marketer'));
    const seg = (await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'one', kind: 'static' } })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/segments/${seg.id}/members/import`, headers: { ...marketer, 'content-type': 'text/csv' }, payload: `customerId\n${id}\n` });
    const c = (await svc.app.inject({
      method: 'POST', url: '/v1/campaigns', headers: marketer,
      payload: { name: 'sms', segmentId: seg.id, channel: 'sms', templates: [{ key: 's', format: 'text', body: 'Hi {{firstName}}: 10% off' }], experiment: { variants: [{ id: 's', weight: 100, templateId: 's' }] }, schedule: { kind: 'now' } },
    })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/schedule`, headers: marketer });
    await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/start`, headers: marketer });
    expect((await runCampaign({ db: svc.db, delivery: svc.delivery, logger: svc.logger }, c.id)).sent).toBe(1);
    const sink = (await svc.app.inject({ method: 'GET', url: '/v1/dev/sink/sms', headers: admin })).json();
    expect(sink.items.some((i: { body: { to: string; body: string } }) => i.body.to === '+31612345678' && i.body.body === 'Hi Wim: 10% off')).toBe(true);
    const sinkRows = async () => (await svc.db.sinkRequest.findMany()).filter((r) => (r.body as { to: string }).to === '+31612345678').length;
    expect(await sinkRows()).toBe(1);

    // the provider reports delivery and a click: recorded once, counted in the results, published
    const send = await svc.db.campaignSend.findFirstOrThrow({ where: { campaignId: c.id } });
    const integrator = bearer(svc.token('integrator'));
    const report = (outcome: string) => svc.app.inject({ method: 'POST', url: '/v1/deliveries/reports', headers: integrator, payload: { messageId: send.id, outcome, linkCode: 'offer' } });
    expect((await report('delivered')).json()).toEqual({ recorded: true });
    expect((await report('clicked')).json()).toEqual({ recorded: true });
    expect((await report('clicked')).json()).toEqual({ recorded: false });
    const results = (await svc.app.inject({ method: 'GET', url: `/v1/campaigns/${c.id}/results`, headers: marketer })).json();
    expect(results.variants[0].counts).toMatchObject({ sent: 1, delivered: 1, clicked: 1 });
    expect(await svc.db.outboxEvent.count({ where: { type: 'crm.marketing.message_clicked.v1', key: id } })).toBe(1);
    expect(await svc.db.outboxEvent.count({ where: { type: 'crm.marketing.message_delivered.v1', key: id } })).toBe(1);

    // erasure also removes what the development sink recorded (the phone number)
    await svc.publish([ev(customerErased, id, { customerId: id, erasedAt: iso() })]);
    await until(async () => (await sinkRows()) === 0, 30_000, 'sink wiped');
  });
});

describe('scheduler and frequency cap', () => {
  it('a scheduled campaign starts at its time from the database; a second campaign over the cap is deferred with the reason', async () => {
    const { Scheduler } = await import('../../src/application/scheduler.ts');
    const id = await customer();
    const marketer = bearer(svc.token('marketer'));
    const seg = (await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'cap', kind: 'static' } })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/segments/${seg.id}/members/import`, headers: { ...marketer, 'content-type': 'text/csv' }, payload: `customerId\n${id}\n` });
    const make = async (name: string, schedule: object) => {
      const c = (await svc.app.inject({
        method: 'POST', url: '/v1/campaigns', headers: marketer,
        payload: {
          name, segmentId: seg.id, channel: 'email', schedule,
          templates: [{ key: 't', format: 'text', subject: name, body: 'x' }], experiment: { variants: [{ id: 't', weight: 100, templateId: 't' }] },
          policy: { frequencyCap: { max: 1, perDays: 7 } },
        },
      })).json();
      expect((await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/schedule`, headers: marketer })).statusCode).toBe(200);
      return c.id as string;
    };
    const first = await make(`cap-1-${id}`, { kind: 'at', at: new Date(Date.now() + 1500).toISOString() });
    const scheduler = new Scheduler({ db: svc.db, delivery: svc.delivery, logger: svc.logger });
    await scheduler.tick();
    expect((await svc.db.campaign.findUniqueOrThrow({ where: { id: first } })).state).toBe('scheduled'); // not yet
    await new Promise((r) => setTimeout(r, 1600));
    await scheduler.tick(); // starts it
    await scheduler.tick(); // runs it
    expect((await svc.db.campaign.findUniqueOrThrow({ where: { id: first } })).state).toBe('completed');
    expect(await svc.db.campaignSend.count({ where: { campaignId: first, status: 'sent' } })).toBe(1);

    const second = await make(`cap-2-${id}`, { kind: 'now' });
    await scheduler.tick();
    await scheduler.tick();
    const skip = await svc.db.campaignSend.findFirstOrThrow({ where: { campaignId: second } });
    expect(skip).toMatchObject({ status: 'skipped', skipReason: 'frequency_cap' });
    expect(skip.retryAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const c2 = await svc.db.campaign.findUniqueOrThrow({ where: { id: second } });
    expect(c2.state).toBe('running'); // waits for the cap window, from the database
    expect(c2.nextRunAt!.getTime()).toBe(skip.retryAt!.getTime());
  });
});

describe('direct mail and merges', () => {
  it('a direct-mail campaign becomes the print-house CSV with the postal address', async () => {
    const id = await customer();
    await svc.publish([
      ev(customerProfile, id, {
        customerId: id, kind: 'person', version: 2, displayName: 'Wim de Post', givenName: 'Wim',
        emails: [], phones: [], postalAddresses: [{ lines: ['Keizersgracht 1'], postalCode: '1015 CJ', city: 'Amsterdam', country: 'NL', primary: true, verified: true }],
        country: 'NL', timeZone: 'Europe/Amsterdam', lifecycleStage: 'active', tags: [], externalIds: [], updatedAt: iso(),
      }),
      ev(customerConsentChanged, id, { customerId: id, channel: 'direct_mail', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: iso() }),
    ]);
    await until(async () => (await svc.db.customerFacts.findUnique({ where: { customerId: id } }))?.postalAddress, 30_000, 'address');
    await until(async () => ((await svc.db.customerFacts.findUnique({ where: { customerId: id } }))?.consent as { channel: string }[]).some((c) => c.channel === 'direct_mail'), 30_000, 'consent');
    const marketer = bearer(svc.token('marketer'));
    const seg = (await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'post', kind: 'static' } })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/segments/${seg.id}/members/import`, headers: { ...marketer, 'content-type': 'text/csv' }, payload: `customerId\n${id}\n` });
    const c = (await svc.app.inject({
      method: 'POST', url: '/v1/campaigns', headers: marketer,
      payload: { name: 'catalogue', segmentId: seg.id, channel: 'direct_mail', templates: [{ key: 'p', format: 'text', body: 'Dear {{firstName}}' }], experiment: { variants: [{ id: 'p', weight: 100, templateId: 'p' }] }, schedule: { kind: 'now' } },
    })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/schedule`, headers: marketer });
    await svc.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/start`, headers: marketer });
    expect((await runCampaign({ db: svc.db, delivery: svc.delivery, logger: svc.logger }, c.id)).sent).toBe(1);
    const csv = await svc.app.inject({ method: 'GET', url: `/v1/campaigns/${c.id}/print-export.csv`, headers: marketer });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(id);
    expect(lines[1]).toContain('Keizersgracht 1');
    expect(lines[1]).toContain('Amsterdam');
  });

  it('a merge folds the merged customer into the survivor and removes its personal data', async () => {
    const { customerMerged } = await import('@crm/contracts');
    const survivor = await customer();
    const merged = await customer();
    await svc.publish([ev(purchaseRecorded, merged, { purchaseId: newId('pur'), orderId: 'o-m', customerId: merged, amount: '12.00', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 1, source: 'api' })]);
    await until(async () => (await svc.db.customerFacts.findUnique({ where: { customerId: merged } }))?.purchaseCount === 1, 30_000, 'purchase');
    await svc.publish([ev(customerMerged, merged, { survivorId: survivor, mergedId: merged })]);
    const gone = await until(async () => {
      const r = await svc.db.customerFacts.findUnique({ where: { customerId: merged } });
      return r?.mergedInto ? r : null;
    }, 30_000, 'merge');
    expect(gone).toMatchObject({ mergedInto: survivor, email: null, givenName: null });
    expect((await svc.db.customerFacts.findUniqueOrThrow({ where: { customerId: survivor } })).purchaseCount).toBe(1);
    expect(await svc.db.journeyInstance.count({ where: { customerId: merged, status: { in: ['active', 'waiting'] } } })).toBe(0);
  });
});
