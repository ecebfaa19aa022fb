// Other services (the purchase import, shop integrations) refer to customers by their own ids. This maps
// a batch of such ids to customer ids, creating a prospect for each one not known yet.
import type { Db } from '../db.ts';
import type { Actor } from './context.ts';
import { createCustomerTx } from './customers.ts';

export async function resolveExternalIds(db: Db, source: string, externalIds: string[], actor: Actor) {
  const wanted = [...new Set(externalIds)];
  const known = await db.externalId.findMany({ where: { source, externalId: { in: wanted } } });
  const mapping: Record<string, string> = Object.fromEntries(known.map((k) => [k.externalId, k.customerId]));
  // Sorted, so concurrent resolvers take their locks in one order and cannot deadlock.
  const missing = wanted.filter((id) => !(id in mapping)).sort();
  let created = 0;
  for (let i = 0; i < missing.length; i += 100) {
    await db.$transaction(async (tx) => {
      for (const externalId of missing.slice(i, i + 100)) {
        // Another resolver may have created it since the read above: look again under the lock.
        await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `ext:${source}:${externalId}`);
        const existing = await tx.externalId.findUnique({ where: { source_externalId: { source, externalId } } });
        if (existing) {
          mapping[externalId] = existing.customerId;
          continue;
        }
        const customer = await createCustomerTx(
          tx,
          { kind: 'person', stage: 'prospect', emails: [], phones: [], addresses: [], externalIds: [{ source, id: externalId }], tags: [], attributes: {}, consents: [] },
          actor,
          'purchase_import',
        );
        mapping[externalId] = customer.id;
        created++;
      }
    }, { timeout: 60_000 });
  }
  return { source, mapping, created };
}
