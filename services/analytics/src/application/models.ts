// Fitting the purchase (BG/NBD) and spend (Gamma-Gamma) models over the purchase_day facts.
import type { Sql } from '@crm/db';
import {
  fitBgNbd, fitGammaGamma, summarizeCustomers, type BgNbdParams, type CustomerSummary, type GammaGammaParams,
  type TimeUnit, type Transaction,
} from '../domain/index.ts';

export interface PurchaseDayRow { customer_id: string; day: string; purchases: number; amount: string; refunds: string }

/** Every purchase_day row, oldest first per customer. */
export async function loadPurchaseDays(db: Sql): Promise<PurchaseDayRow[]> {
  return db.$queryRawUnsafe<PurchaseDayRow[]>(
    `SELECT customer_id, to_char(day, 'YYYY-MM-DD') AS day, purchases, amount::text AS amount, refunds::text AS refunds
     FROM purchase_day ORDER BY customer_id, day`,
  );
}

/** Purchase days as model transactions (refund-only days are not purchase days). */
export function toTransactions(rows: readonly PurchaseDayRow[]): Transaction[] {
  const out: Transaction[] = [];
  for (const r of rows) if (r.purchases > 0) out.push({ customerId: r.customer_id, occurredAt: r.day, amount: r.amount });
  return out;
}

export interface FitRequest { calibrationEnd: string; timeUnit: TimeUnit }

export interface StoredFit<P> { params: P; logLikelihood: number; customers: number; converged: boolean; fittedAt: Date }

async function storeFit(db: Sql, model: string, fit: { params: object; logLikelihood: number; customers: number; converged: boolean }, req: FitRequest, trigger: string): Promise<Date> {
  const rows = await db.$queryRawUnsafe<{ fitted_at: Date }[]>(
    `INSERT INTO model_fit (model, params, log_likelihood, customers, calibration_end, time_unit, converged, trigger)
     VALUES ($1, $2::jsonb, $3, $4, $5::date, $6, $7, $8) RETURNING fitted_at`,
    model, JSON.stringify(fit.params), fit.logLikelihood, fit.customers, req.calibrationEnd, req.timeUnit, fit.converged, trigger,
  );
  return rows[0]!.fitted_at;
}

export function fitBgNbdOn(summary: readonly CustomerSummary[]) {
  return fitBgNbd(summary);
}

export async function fitBgNbdModel(db: Sql, req: FitRequest, trigger = 'on_demand', summary?: CustomerSummary[]): Promise<StoredFit<BgNbdParams>> {
  const s = summary ?? summarizeCustomers(toTransactions(await loadPurchaseDays(db)), req);
  if (s.length === 0) throw new RangeError('no customer has a purchase on or before the calibration end');
  const fit = fitBgNbd(s);
  const fittedAt = await storeFit(db, 'bg_nbd', fit, req, trigger);
  return { params: fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers, converged: fit.converged, fittedAt };
}

export async function fitGammaGammaModel(db: Sql, req: FitRequest, trigger = 'on_demand', summary?: CustomerSummary[]): Promise<StoredFit<GammaGammaParams>> {
  const s = summary ?? summarizeCustomers(toTransactions(await loadPurchaseDays(db)), req);
  const fit = fitGammaGamma(s); // throws RangeError when nobody has a repeat purchase
  const fittedAt = await storeFit(db, 'gamma_gamma', fit, req, trigger);
  return { params: fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers, converged: fit.converged, fittedAt };
}

/** The latest stored fit of a model, if any. */
export async function latestFit<P>(db: Sql, model: 'bg_nbd' | 'gamma_gamma'): Promise<StoredFit<P> | null> {
  const rows = await db.$queryRawUnsafe<{ params: P; log_likelihood: number; customers: number; converged: boolean; fitted_at: Date }[]>(
    `SELECT params, log_likelihood, customers, converged, fitted_at FROM model_fit WHERE model = $1 ORDER BY fitted_at DESC, id DESC LIMIT 1`,
    model,
  );
  const r = rows[0];
  return r ? { params: r.params, logLikelihood: r.log_likelihood, customers: r.customers, converged: r.converged, fittedAt: r.fitted_at } : null;
}
