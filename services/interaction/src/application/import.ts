// Bulk purchase import. Rows stream in and are handled in batches (default 1000 rows): one resolve call to
// the customer service per source system for the batch's external ids, then one transaction with a
// multi-row INSERT … ON CONFLICT DO NOTHING and the outbox rows of the inserted purchases. A bad row is
// reported with its line number; the others carry on. The same order twice (in the file or already
// recorded) counts once, as a duplicate.
import { readRecords } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import type { Db } from '../db.ts';
import { parsePurchaseRow, type ImportedPurchase } from '../domain/purchase-row.ts';
import type { Actor } from './context.ts';
import type { CustomerDirectory } from './customer-directory.ts';
import { insertPurchasesTx, type NewPurchase } from './purchases.ts';

export interface PurchaseImportReport {
  received: number;
  recorded: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: { line: number; message: string }[];
}

export const MAX_REPORTED_ERRORS = 1000;

export async function importPurchases(
  db: Db,
  directory: CustomerDirectory,
  stream: Readable | AsyncIterable<Buffer | string>,
  format: 'csv' | 'ndjson',
  actor: Actor,
  options: { batchSize?: number; onProgress?: (r: PurchaseImportReport) => void } = {},
): Promise<PurchaseImportReport> {
  const batchSize = options.batchSize ?? 1000;
  const report: PurchaseImportReport = { received: 0, recorded: 0, accepted: 0, duplicates: 0, rejected: 0, errors: [] };
  const reject = (line: number, message: string) => {
    report.rejected++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
  };
  let batch: { line: number; row: ImportedPurchase }[] = [];

  async function flush() {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    // Repeats inside the batch are duplicates of the first occurrence.
    const seen = new Set<string>();
    const firsts: typeof rows = [];
    for (const r of rows) {
      const key = `${r.row.sourceSystem}\u0000${r.row.orderId}`;
      if (seen.has(key)) report.duplicates++;
      else {
        seen.add(key);
        firsts.push(r);
      }
    }
    // One resolve call per source system (almost always one per batch).
    const mappings = new Map<string, Record<string, string>>();
    for (const source of new Set(firsts.map((r) => r.row.sourceSystem))) {
      mappings.set(source, await directory.resolve(source, firsts.filter((r) => r.row.sourceSystem === source).map((r) => r.row.customerExternalId)));
    }
    const ready: NewPurchase[] = [];
    for (const r of firsts) {
      const customerId = mappings.get(r.row.sourceSystem)?.[r.row.customerExternalId];
      if (!customerId) reject(r.line, `customer ${r.row.customerExternalId} of ${r.row.sourceSystem} could not be resolved`);
      else ready.push({ ...r.row, customerId, lines: [] });
    }
    const inserted = await db.$transaction((tx) => insertPurchasesTx(tx, ready, 'import', actor), { timeout: 60_000 });
    report.recorded += inserted.length;
    report.accepted = report.recorded;
    report.duplicates += ready.length - inserted.length;
    options.onProgress?.(report);
  }

  for await (const item of readRecords(stream, format)) {
    report.received++;
    if (item.error !== undefined) {
      reject(item.line, item.error);
      continue;
    }
    const record = item.record;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      reject(item.line, 'a row must be a JSON object');
      continue;
    }
    const parsed = parsePurchaseRow(record);
    if (!parsed.ok) {
      reject(item.line, parsed.message);
      continue;
    }
    batch.push({ line: item.line, row: parsed.value });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}
