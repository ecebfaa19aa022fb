// Reactions to the customer service: a merge re-keys every row of the merged customer to the survivor;
// an erasure deletes the customer's free text (subjects, summaries, survey comments, also inside kept
// revisions and stored idempotent responses) while amounts, ids and codes stay for the books.
import type { Tx } from '../db.ts';
import { publishers } from '../events/publish.ts';
import type { Actor } from './context.ts';

const KEYED_TABLES = ['interaction', 'purchase', 'refund', 'survey_response'] as const;

export async function rekeyCustomer(tx: Tx, mergedId: string, survivorId: string): Promise<number> {
  let moved = 0;
  for (const table of KEYED_TABLES) moved += await tx.$executeRawUnsafe(`UPDATE ${table} SET customer_id = $2 WHERE customer_id = $1`, mergedId, survivorId);
  // Ids that pointed at the merged customer now point at the survivor, and the merged id itself resolves.
  await tx.$executeRawUnsafe(`UPDATE customer_ref SET live_id = $2, updated_at = now() WHERE live_id = $1`, mergedId, survivorId);
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_ref (id, live_id) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET live_id = EXCLUDED.live_id, updated_at = now()`,
    mergedId,
    survivorId,
  );
  return moved;
}

export async function eraseCustomer(tx: Tx, customerId: string, erasedAt: string, actor: Actor): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE interaction_revision SET data = data - 'subject' - 'summary'
     WHERE interaction_id IN (SELECT id FROM interaction WHERE customer_id = $1)`,
    customerId,
  );
  await tx.$executeRawUnsafe(`UPDATE interaction SET subject = NULL, summary = NULL WHERE customer_id = $1`, customerId);
  await tx.$executeRawUnsafe(`UPDATE survey_response SET comment = NULL WHERE customer_id = $1`, customerId);
  // Stored responses of idempotent writes may repeat the free text: drop those that name the customer.
  await tx.$executeRawUnsafe(`DELETE FROM idempotency_key WHERE response::text LIKE '%' || $1 || '%'`, customerId);
  // The id stays known as erased: later writes for it are refused.
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_ref (id, live_id) VALUES ($1, NULL) ON CONFLICT (id) DO UPDATE SET live_id = NULL, updated_at = now()`,
    customerId,
  );
  await publishers.erasureConfirmed(tx, customerId, erasedAt, actor);
}
