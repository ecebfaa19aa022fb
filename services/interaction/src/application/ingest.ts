// Integrators' commands on crm.interaction.ingest. A valid command is recorded exactly once (purchases by
// (source system, order id), interactions by external id, and the consumer's inbox for the event id). An
// invalid one throws IngestRejected; the consumer retries it (bounded) and dead-letters it with the reason.
import type { EventData, recordInteractionCommand, recordPurchaseCommand } from '@crm/contracts';
import type { Tx } from '../db.ts';
import { isCurrency, formatMoney } from '../domain/money.ts';
import type { Actor } from './context.ts';
import type { CustomerDirectory } from './customer-directory.ts';
import { recordInteractionTx } from './interactions.ts';
import { insertPurchasesTx } from './purchases.ts';

/** A command that can never succeed (business rule). The event bus has no non-retryable error type yet. */
export class IngestRejected extends Error {
  override name = 'IngestRejected';
}

type CustomerRef = { customerId?: string | undefined; customerExternalId?: { system: string; id: string } | undefined };

async function customerOf(tx: Tx, directory: CustomerDirectory, ref: CustomerRef): Promise<string> {
  if (ref.customerId) {
    const live = await directory.liveId(tx, ref.customerId);
    if (!live) throw new IngestRejected(`customer ${ref.customerId} is not known to the customer service`);
    return live;
  }
  const { system, id } = ref.customerExternalId!;
  const live = (await directory.resolve(system, [id]))[id];
  if (!live) throw new IngestRejected(`customer ${system}:${id} could not be resolved`);
  return live;
}

export async function ingestPurchase(tx: Tx, directory: CustomerDirectory, cmd: EventData<typeof recordPurchaseCommand>, actor: Actor): Promise<void> {
  if (!isCurrency(cmd.currency)) throw new IngestRejected(`currency is not an ISO 4217 code: ${cmd.currency}`);
  const sourceSystem = cmd.customerExternalId?.system ?? 'ingest';
  const existing = await tx.purchase.findUnique({ where: { sourceSystem_orderId: { sourceSystem, orderId: cmd.orderId } }, select: { id: true } });
  if (existing) return;
  const customerId = await customerOf(tx, directory, cmd);
  await insertPurchasesTx(tx, [{
    sourceSystem,
    orderId: cmd.orderId,
    customerId,
    amount: formatMoney(cmd.amount),
    currency: cmd.currency,
    occurredAt: new Date(cmd.occurredAt),
    channel: cmd.channel ?? 'other',
    lines: cmd.lines ?? [],
  }], 'ingest', actor);
}

export async function ingestInteraction(tx: Tx, directory: CustomerDirectory, cmd: EventData<typeof recordInteractionCommand>, actor: Actor): Promise<void> {
  const existing = await tx.interaction.findUnique({ where: { externalId: cmd.externalId }, select: { id: true } });
  if (existing) return;
  const customerId = await customerOf(tx, directory, cmd);
  const { externalId, customerId: _c, customerExternalId: _e, ...facts } = cmd;
  await recordInteractionTx(tx, customerId, { ...facts, externalId }, 'ingest', actor);
}
