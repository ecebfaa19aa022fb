// The demo data set: small, deterministic (the same bodies on every run, so Idempotency-Keys replay
// instead of conflicting), and shaped after each service's public API. Every function here is pure.
// Service owners: adjust the body builders of your service (one function each) when your API settles.

const firstNames = ['Wei', 'Fang', 'Li', 'Min', 'Jing', 'Lei', 'Yan', 'Tao', 'Hui', 'Jun', 'Anna', 'Lukas', 'Sofia', 'Mateo', 'Amara', 'Kenji', 'Priya', 'Omar', 'Elena', 'Noah'];
const lastNames = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Schmidt', 'Weber', 'Rossi', 'Garcia', 'Okafor', 'Tanaka', 'Sharma', 'Haddad', 'Petrova', 'Smith'];
const countries = ['CN', 'CN', 'CN', 'CN', 'CN', 'CN', 'CN', 'CN', 'CN', 'CN', 'DE', 'DE', 'IT', 'ES', 'NG', 'JP', 'IN', 'EG', 'BG', 'US'];

export const DEMO_CUSTOMERS = 20;

export type DemoCustomer = { ref: string; body: Record<string, unknown> };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function demoCustomers(): DemoCustomer[] {
  return Array.from({ length: DEMO_CUSTOMERS }, (_, i) => {
    const n = i + 1;
    const firstName = firstNames[i]!;
    const lastName = lastNames[i]!;
    return {
      ref: `demo-customer-${pad(n)}`,
      body: {
        kind: 'person',
        firstName,
        lastName,
        emails: [{ address: `${firstName}.${lastName}.${pad(n)}@example.com`.toLowerCase(), primary: true }],
        phones: [{ number: `+86138000000${pad(n)}` }],
        country: countries[i]!,
        tags: n % 4 === 0 ? ['demo', 'vip'] : ['demo'],
        consents: [{ channel: 'email', purpose: 'marketing', granted: n % 5 !== 0, source: 'api' }],
      },
    };
  });
}

export type DemoRef = { ref: string; body: Record<string, unknown> };

export function demoLeads(): DemoRef[] {
  const leads = [
    ['Grace', 'Hopper', 'Compilers Ltd', 'web_form'],
    ['Alan', 'Turing', 'Enigma Analytics', 'event'],
    ['Ada', 'Lovelace', 'Engines & Co', 'referral'],
    ['Katherine', 'Johnson', 'Orbit Partners', 'web_form'],
  ] as const;
  return leads.map(([firstName, lastName, company, source], i) => ({
    ref: `demo-lead-${pad(i + 1)}`,
    body: {
      firstName,
      lastName,
      company,
      source,
      email: `${firstName}.${lastName}@example.org`.toLowerCase(),
    },
  }));
}

const channels = [['email', 'message'], ['phone', 'call'], ['web', 'form'], ['chat', 'message'], ['sms', 'message'], ['visit', 'visit']] as const;

/** Two interactions for each of the first 10 customers. */
export function demoInteractions(customerIds: ReadonlyArray<string | undefined>): DemoRef[] {
  const out: DemoRef[] = [];
  customerIds.slice(0, 10).forEach((customerId, i) => {
    if (!customerId) return;
    for (let k = 0; k < 2; k++) {
      const [channel, kind] = channels[(i + k) % channels.length]!;
      out.push({
        ref: `demo-interaction-${pad(i + 1)}-${k + 1}`,
        body: {
          customerId,
          channel,
          kind,
          direction: k === 0 ? 'inbound' : 'outbound',
          ...(k === 0 ? { intent: 'inquiry' } : {}),
          subject: k === 0 ? 'Question about an order' : 'Follow-up on the question',
          occurredAt: `2025-${pad(((i + k * 3) % 9) + 1)}-${pad((i % 27) + 1)}T10:${pad(k * 15)}:00.000Z`,
        },
      });
    }
  });
  return out;
}

/** 1–5 purchases per customer over 2024–2025, amounts as decimal strings (never floats). */
export function demoPurchases(customerIds: ReadonlyArray<string | undefined>): DemoRef[] {
  const out: DemoRef[] = [];
  customerIds.forEach((customerId, i) => {
    if (!customerId) return;
    const count = (i % 5) + 1;
    for (let k = 0; k < count; k++) {
      const month = ((i * 3 + k * 4) % 18) + 1; // 1..18 months from 2024-06
      const year = 2024 + Math.floor((month + 4) / 12);
      const m = ((month + 4) % 12) + 1;
      const cents = 1999 + ((i * 7919 + k * 104729) % 20000);
      const quantity = (k % 3) + 1;
      out.push({
        ref: `demo-purchase-${pad(i + 1)}-${k + 1}`,
        body: {
          orderId: `demo-order-${pad(i + 1)}-${k + 1}`,
          sourceSystem: 'demo',
          customerId,
          occurredAt: `${year}-${pad(m)}-${pad(((i + k) % 27) + 1)}T14:00:00.000Z`,
          currency: 'CNY',
          amount: ((cents * quantity) / 100).toFixed(2),
          channel: k % 2 === 0 ? 'web' : 'store',
          lines: [{ sku: `CD-${pad((i + k) % 40, 3)}`, quantity, unitPrice: (cents / 100).toFixed(2) }],
        },
      });
    }
  });
  return out;
}

export function demoTickets(customerIds: ReadonlyArray<string | undefined>): DemoRef[] {
  const subjects = [
    ['Order arrived damaged', 'P2', 'complaint'],
    ['Cannot log in to my account', 'P3', 'account'],
    ['Question about my invoice', 'P4', 'billing'],
    ['Refund not received yet', 'P2', 'complaint'],
    ['Change of delivery address', 'P3', 'delivery'],
  ] as const;
  return subjects.flatMap(([subject, priority, category], i) => {
    const customerId = customerIds[i * 3];
    if (!customerId) return [];
    return [{
      ref: `demo-ticket-${pad(i + 1)}`,
      body: { customerId, subject, description: `${subject} (demo ticket)`, priority, category, channel: i % 2 === 0 ? 'email' : 'phone', tags: ['demo'] },
    }];
  });
}

export function demoSegment(): DemoRef {
  return {
    ref: 'demo-segment-vip',
    body: {
      name: 'Demo VIP customers',
      description: 'Customers tagged vip who agreed to marketing e-mail',
      kind: 'dynamic',
      rule: { and: [{ field: 'tags', op: 'contains', value: 'vip' }, { field: 'consent.email.marketing', op: 'eq', value: true }] },
    },
  };
}

export function demoCampaign(segmentId: string): DemoRef {
  return {
    ref: 'demo-campaign-spring',
    body: {
      name: 'Demo spring offer',
      segmentId,
      channel: 'email',
      templates: [{ key: 'spring', format: 'text', subject: 'A spring offer for our best customers', body: 'Hello, here is 10% off your next order.' }],
      experiment: { variants: [{ id: 'a', weight: 100, templateId: 'spring' }], holdoutPercent: 0 },
      schedule: { kind: 'now' },
    },
  };
}
