// Quick measure: how long the handlers take for N customers' onboarding events (registered, profile,
// consent) applied in one transaction, with one dynamic segment. Prints events/s.
import { customerConsentChanged, customerProfile, customerRegistered } from '@crm/contracts';
import { startMarketingService, ev, newId } from '../test/integration/harness.ts';

const n = Number(process.argv[2] ?? 100);
const svc = await startMarketingService({ relay: false });
await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: { authorization: `Bearer ${svc.token('marketer')}` }, payload: { name: 'x', rule: { field: 'tags', op: 'contains', value: 'bench' } } });
const events = [];
for (let i = 0; i < n; i++) {
  const id = newId('cus');
  events.push(
    ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'new', source: 'api' }),
    ev(customerProfile, id, { customerId: id, kind: 'person', version: 1, displayName: 'B', emails: [{ address: `b${i}@example.com`, primary: true, verified: true }], phones: [], postalAddresses: [], lifecycleStage: 'new', tags: ['bench'], externalIds: [], updatedAt: new Date().toISOString() }),
    ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: new Date().toISOString() }),
  );
}
let total = 0;
for (const type of [customerRegistered.type, customerProfile.type, customerConsentChanged.type]) {
  const batch = events.filter((e) => e.type === type);
  const t = performance.now();
  await svc.handle(batch);
  const ms = performance.now() - t;
  total += ms;
  console.log(`${type}: ${batch.length} in ${ms.toFixed(0)} ms (${(ms / batch.length).toFixed(1)} ms each)`);
}
console.log(`${events.length} events in ${total.toFixed(0)} ms = ${((events.length / total) * 1000).toFixed(0)} events/s`);
await svc.close();
