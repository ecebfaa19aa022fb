// The demo data set must pass each service's own request schema, so `./dev up` loads it without 400s.
// The schemas are imported from the services' sources (a test-only coupling): when a service changes its
// API, this test names the demo body to adjust in src/demo/data.ts.
import { existsSync } from 'node:fs';
import { newId } from '@crm/contracts';
import { describe, expect, it } from 'vitest';
import { demoCampaign, demoCustomers, demoInteractions, demoPurchases, demoSegment, demoTickets } from '../src/demo/data.ts';

const services = new URL('../../../services/', import.meta.url);
const has = (path: string) => existsSync(new URL(path, services));
type Schema = { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } };

function expectValid(schema: Schema, items: Array<{ ref: string; body: unknown }>) {
  expect(items.length).toBeGreaterThan(0);
  const problems = items.flatMap((item) => {
    const r = schema.safeParse(item.body);
    return r.success ? [] : [`${item.ref}: ${r.error!.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`];
  });
  expect(problems).toEqual([]);
}

const ids = demoCustomers().map(() => newId('cus'));

describe('demo bodies against the services’ request schemas', () => {
  it.runIf(has('customer/src/schemas.ts'))('customers match POST /v1/customers', async () => {
    const { customerCreate } = (await import(new URL('customer/src/schemas.ts', services).href)) as { customerCreate: Schema };
    expectValid(customerCreate, demoCustomers());
  });

  it.runIf(has('interaction/src/schemas.ts'))('interactions and purchases match POST /v1/interactions and /v1/purchases', async () => {
    const { interactionCreate, purchaseCreate } = (await import(new URL('interaction/src/schemas.ts', services).href)) as Record<string, Schema>;
    expectValid(interactionCreate!, demoInteractions(ids));
    expectValid(purchaseCreate!, demoPurchases(ids));
  });

  it.runIf(has('ticketing/src/schemas.ts'))('tickets match POST /v1/tickets', async () => {
    const { ticketOpen } = (await import(new URL('ticketing/src/schemas.ts', services).href)) as { ticketOpen: Schema };
    expectValid(ticketOpen, demoTickets(ids));
  });

  it.runIf(has('marketing-campaign/src/domain/segment-rules.ts') && has('marketing-campaign/src/domain/campaign.ts') && has('marketing-campaign/src/domain/templates.ts'))(
    'the segment rule and the campaign templates, experiment and schedule match the marketing schemas',
    async () => {
      const { SegmentRuleSchema } = (await import(new URL('marketing-campaign/src/domain/segment-rules.ts', services).href)) as { SegmentRuleSchema: Schema };
      const { ExperimentSchema, scheduleSchemaAt } = (await import(new URL('marketing-campaign/src/domain/campaign.ts', services).href)) as {
        ExperimentSchema: Schema; scheduleSchemaAt: (clock: () => Date) => Schema;
      };
      const { TemplateSchema } = (await import(new URL('marketing-campaign/src/domain/templates.ts', services).href)) as { TemplateSchema: Schema };
      const segment = demoSegment().body as { rule: unknown };
      const campaign = demoCampaign('seg_demo').body as { templates: unknown[]; experiment: unknown; schedule: unknown };
      expectValid(SegmentRuleSchema, [{ ref: 'segment rule', body: segment.rule }]);
      expectValid(TemplateSchema, campaign.templates.map((t, i) => ({ ref: `template ${i}`, body: t })));
      expectValid(ExperimentSchema, [{ ref: 'experiment', body: campaign.experiment }]);
      expectValid(scheduleSchemaAt(() => new Date()), [{ ref: 'schedule', body: campaign.schedule }]);
    },
  );
});
