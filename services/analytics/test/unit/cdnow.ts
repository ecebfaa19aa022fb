/**
 * Test helper: reads the CDNOW sample straight from ../shared/datasets/cdnow (beside the repository).
 * Not copied into the repo. A later phase runs the same checks through the purchase import pipeline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transaction } from '../../src/domain/summary.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** services/analytics/test/unit -> repository root. */
export const repoRoot = path.resolve(here, '../../../..');
export const cdnowDir = path.resolve(repoRoot, '../shared/datasets/cdnow');

/** CDNOW_sample.txt: master id, sample id (1..2357), yyyymmdd, number of CDs, dollar value. */
export function loadCdnowTransactions(): Transaction[] {
  const text = readFileSync(path.join(cdnowDir, 'CDNOW_sample.txt'), 'utf8');
  const out: Transaction[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [, id, ymd, , amount] = f as [string, string, string, string, string];
    out.push({
      customerId: String(Number(id)),
      occurredAt: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
      amount,
    });
  }
  return out;
}

export interface CdnowSummaryRow {
  id: string;
  x: number;
  tx: number;
  T: number;
  zbar: number;
}

/** cdnow_customers_summary_with_transactions.csv: ID,x,t_x,T,zbar (weeks, 2 decimals). */
export function loadCdnowSummary(): CdnowSummaryRow[] {
  const text = readFileSync(path.join(cdnowDir, 'cdnow_customers_summary_with_transactions.csv'), 'utf8');
  const lines = text.trim().split('\n').slice(1);
  return lines.map((line) => {
    const [id, x, tx, T, zbar] = line.trim().split(',') as [string, string, string, string, string];
    return { id: String(Number(id)), x: Number(x), tx: Number(tx), T: Number(T), zbar: Number(zbar) };
  });
}

export const CDNOW_CALIBRATION_END = '1997-09-30';
