// Quick measure: how long the handlers take for N customers' onboarding events (registered, profile,
// consent) applied in one transaction per type, as the consumer would (runs of a batched type go to its
// batch handler), with one dynamic segment. Prints events/s for that mix, then for purchases and
// interactions of the same customers. `--single` applies every event through its per-event handler.
//   node --import tsx scripts/bench-handlers.ts [N] [--single]
import { customerConsentChanged, customerProfile, customerRegistered, interactionRecorded, purchaseRecorded } from '@crm/contracts';
import { startMarketingService, ev, newId } from '../test/integration/harness.ts';

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100);
const batched = !process.argv.includes('--single');
const svc = await startMarketingService({ relay: false });
await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: { authorization: `Bearer ${svc.token('marketer')}` }, payload: { name: 'x', rule: { field: 'tags', op: 'contains', value: 'bench' } } });
const events: ReturnType<typeof ev>[] = [];
for (let i = 0; i < n; i++) {
  const id = newId('cus');
  events.push(
    ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'new', source: 'api' }),
    ev(customerProfile, id, { customerId: id, kind: 'person', version: 1, displayName: 'B', emails: [{ address: `b${i}@example.com`, primary: true, verified: true }], phones: [], postalAddresses: [], lifecycleStage: 'new', tags: ['bench'], externalIds: [], updatedAt: new Date().toISOString() }),
    ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: new Date().toISOString() }),
  );
}
const more = [];
for (const e of events.filter((x) => x.type === customerRegistered.type)) {
  const id = e.subject!;
  for (let k = 0; k < 3; k++) more.push(ev(interactionRecorded, id, { interactionId: newId('int'), customerId: id, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: new Date(Date.now() - k * 1000).toISOString() }));
  for (let k = 0; k < 2; k++) more.push(ev(purchaseRecorded, id, { purchaseId: newId('pur'), orderId: `o-${k}`, customerId: id, amount: '12.50', currency: 'EUR', occurredAt: new Date().toISOString(), channel: 'web', lineCount: 1, source: 'api' }));
}
async function measure(label: string, all: typeof events, types: string[]) {
  let total = 0;
  for (const type of types) {
    const batch = all.filter((e) => e.type === type);
    const t = performance.now();
    await svc.handle(batch, { batched });
    const ms = performance.now() - t;
    total += ms;
    console.log(`${type}: ${batch.length} in ${ms.toFixed(0)} ms (${(ms / batch.length).toFixed(1)} ms each)`);
  }
  console.log(`${label}: ${all.length} events in ${total.toFixed(0)} ms = ${((all.length / total) * 1000).toFixed(0)} events/s`);
}
console.log(batched ? 'batch handlers' : 'one event at a time');
await measure('onboarding', events, [customerRegistered.type, customerProfile.type, customerConsentChanged.type]);
await measure('activity', more, [interactionRecorded.type, purchaseRecorded.type]);
await svc.close();
