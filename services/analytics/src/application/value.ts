// The value recompute job: purchase_day facts -> summary -> BG/NBD + Gamma-Gamma -> predicted CLV,
// P(alive), expected purchases, ABC, RFM, churn risk; written in bulk, and announced through the outbox
// only on meaningful change (value) and on crossings of the high-risk line (churn).
import { churnRiskCleared, churnRiskRaised, createEvent, customerValueUpdated, type CloudEvent } from '@crm/contracts';
import { enqueue } from '@crm/event-bus';
import type { Sql } from '@crm/db';
import { Decimal } from 'decimal.js';
import type { Logger } from 'pino';
import {
  abcClasses, churnRisk, dayNumber, expectedAverageSpend, meanInterPurchaseDays, meaningfulValueChange, predictedClv,
  probabilityAlive, rfmScores, riskTransition, summarizeCustomers, toMoneyString,
  type BgNbdParams, type GammaGammaParams, type RiskLevel, type ValueSnapshot,
} from '../domain/index.ts';
import { fitBgNbdModel, fitGammaGammaModel, latestFit, loadPurchaseDays, toTransactions } from './models.ts';

export interface ValueSettings {
  horizonMonths: number;
  monthlyDiscountRate: number;
  defaultCurrency: string;
}

/** Used only until the base is big enough to fit: the published CDNOW parameters (weeks). */
export const PRIOR_BGNBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
export const PRIOR_GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
/** Fewer customers than this and the job keeps the last fit (or the prior) instead of refitting. */
export const MIN_CUSTOMERS_TO_FIT = 20;

/** Domain segment names -> the contract vocabulary (rfmSegments of @crm/contracts). */
const SEGMENT_NAMES: Record<string, string> = {
  potential_loyalist: 'potential_loyalists',
  new_customer: 'new_customers',
  cannot_lose: 'cannot_lose_them',
};
export const contractSegment = (s: string) => SEGMENT_NAMES[s] ?? s;

export interface RecomputeResult {
  asOf: string;
  customers: number;
  valueEvents: number;
  riskRaised: number;
  riskCleared: number;
  refitted: boolean;
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
}

const CHUNK = 5000;
async function inChunks<T>(rows: T[], fn: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await fn(rows.slice(i, i + CHUNK));
}

interface Computed {
  id: string; currency: string; historical: Decimal; predicted: number; pAlive: number; expected: number; spend: number;
  abc: 'A' | 'B' | 'C'; x: number; tx: number; T: number; monetary: number;
  recencyDays: number; frequency: number; r: number; f: number; m: number; code: string; segment: string;
  risk: RiskLevel; recencyRatio: number;
}

export async function recomputeValues(
  db: Sql & { $transaction<R>(fn: (tx: Sql) => Promise<R>, o?: { timeout?: number }): Promise<R> },
  settings: ValueSettings,
  options: { asOf?: string; logger?: Logger } = {},
): Promise<RecomputeResult> {
  const started = Date.now();
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const rows = await loadPurchaseDays(db);
  const summary = summarizeCustomers(toTransactions(rows), { calibrationEnd: asOf, timeUnit: 'week' });
  const req = { calibrationEnd: asOf, timeUnit: 'week' as const };

  let refitted = false;
  let bg: BgNbdParams = (await latestFit<BgNbdParams>(db, 'bg_nbd'))?.params ?? PRIOR_BGNBD;
  let gg: GammaGammaParams = (await latestFit<GammaGammaParams>(db, 'gamma_gamma'))?.params ?? PRIOR_GAMMA_GAMMA;
  if (summary.length >= MIN_CUSTOMERS_TO_FIT) {
    try {
      bg = (await fitBgNbdModel(db, req, 'recompute', summary)).params;
      const g = await fitGammaGammaModel(db, req, 'recompute', summary);
      if (g.params.q > 1) gg = g.params; // expected spend needs q > 1
      refitted = true;
    } catch (err) {
      options.logger?.warn({ err }, 'model refit failed; keeping the previous parameters');
    }
  }

  const net = new Map<string, Decimal>();
  for (const r of rows) net.set(r.customer_id, (net.get(r.customer_id) ?? new Decimal(0)).plus(r.amount).minus(r.refunds));
  const currencies = new Map(
    (await db.$queryRawUnsafe<{ customer_id: string; currency: string | null }[]>(`SELECT customer_id, currency FROM customer_360`))
      .map((r) => [r.customer_id, r.currency]),
  );
  const asOfDay = dayNumber(asOf);
  const period = 52 / 12;
  const abc = abcClasses(summary.map((s) => ({ customerId: s.customerId, value: (net.get(s.customerId) ?? new Decimal(0)).toString() })));
  const rfm = rfmScores(summary.map((s) => ({
    customerId: s.customerId,
    recencyDays: asOfDay - dayNumber(s.lastPurchaseDate),
    frequency: s.x + 1,
    monetary: (net.get(s.customerId) ?? new Decimal(0)).toString(),
  })));
  const computed: Computed[] = summary.map((s, i) => {
    const c = { x: s.x, tx: s.tx, T: s.T, monetaryValue: s.monetaryValue };
    const clv = predictedClv(bg, gg, c, { horizonPeriods: settings.horizonMonths, periodLength: period, discountRate: settings.monthlyDiscountRate });
    const pAlive = probabilityAlive(bg, c);
    const recencyDays = asOfDay - dayNumber(s.lastPurchaseDate);
    const risk = churnRisk({ pAlive, daysSinceLastPurchase: recencyDays, meanInterPurchaseDays: meanInterPurchaseDays(s.x, s.tx * 7) });
    const score = rfm[i]!;
    return {
      id: s.customerId, currency: currencies.get(s.customerId) ?? settings.defaultCurrency,
      historical: net.get(s.customerId) ?? new Decimal(0), predicted: clv.clv, pAlive, expected: clv.expectedTransactions,
      spend: expectedAverageSpend(gg, c), abc: abc.get(s.customerId) ?? 'C', x: s.x, tx: s.tx, T: s.T, monetary: s.monetaryValue,
      recencyDays, frequency: s.x + 1, r: score.r, f: score.f, m: score.m, code: score.code, segment: contractSegment(score.segment),
      risk: risk.level, recencyRatio: risk.recencyRatio,
    };
  });

  const horizonWeeks = Math.round(settings.horizonMonths * period);
  const result = await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`CREATE TEMP TABLE IF NOT EXISTS recompute_ids (customer_id text PRIMARY KEY) ON COMMIT DROP`);
    await inChunks(computed, (ch) => tx.$executeRawUnsafe(`INSERT INTO recompute_ids SELECT unnest($1::text[])`, ch.map((c) => c.id)));
    for (const table of ['customer_value', 'customer_rfm', 'churn_risk']) {
      await tx.$executeRawUnsafe(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM recompute_ids i WHERE i.customer_id = t.customer_id)`);
    }
    await inChunks(computed, (ch) => tx.$executeRawUnsafe(
      `INSERT INTO customer_value (customer_id, currency, historical_clv, predicted_clv, p_alive, expected_purchases, expected_spend, abc_class, x, tx, t, monetary, as_of)
       SELECT u.* , $13::date FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::int[], $10::float8[], $11::float8[], $12::float8[])
         AS u(customer_id, currency, historical_clv, predicted_clv, p_alive, expected_purchases, expected_spend, abc_class, x, tx, t, monetary)
       ON CONFLICT (customer_id) DO UPDATE SET currency = EXCLUDED.currency, historical_clv = EXCLUDED.historical_clv,
         predicted_clv = EXCLUDED.predicted_clv, p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
         expected_spend = EXCLUDED.expected_spend, abc_class = EXCLUDED.abc_class, x = EXCLUDED.x, tx = EXCLUDED.tx, t = EXCLUDED.t,
         monetary = EXCLUDED.monetary, as_of = EXCLUDED.as_of`,
      ch.map((c) => c.id), ch.map((c) => c.currency), ch.map((c) => c.historical.toFixed(4)), ch.map((c) => c.predicted.toFixed(4)),
      ch.map((c) => c.pAlive), ch.map((c) => c.expected), ch.map((c) => c.spend), ch.map((c) => c.abc), ch.map((c) => c.x),
      ch.map((c) => c.tx), ch.map((c) => c.T), ch.map((c) => c.monetary), asOf,
    ));
    await inChunks(computed, (ch) => tx.$executeRawUnsafe(
      `INSERT INTO customer_rfm (customer_id, recency_days, frequency, monetary, r, f, m, code, segment)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::numeric[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[])
       ON CONFLICT (customer_id) DO UPDATE SET recency_days = EXCLUDED.recency_days, frequency = EXCLUDED.frequency,
         monetary = EXCLUDED.monetary, r = EXCLUDED.r, f = EXCLUDED.f, m = EXCLUDED.m, code = EXCLUDED.code, segment = EXCLUDED.segment`,
      ch.map((c) => c.id), ch.map((c) => c.recencyDays), ch.map((c) => c.frequency), ch.map((c) => c.historical.toFixed(4)),
      ch.map((c) => c.r), ch.map((c) => c.f), ch.map((c) => c.m), ch.map((c) => c.code), ch.map((c) => c.segment),
    ));
    await inChunks(computed, (ch) => tx.$executeRawUnsafe(
      `INSERT INTO churn_risk (customer_id, level, p_alive, recency_days, recency_ratio)
       SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int[], $5::float8[])
       ON CONFLICT (customer_id) DO UPDATE SET level = EXCLUDED.level, p_alive = EXCLUDED.p_alive,
         recency_days = EXCLUDED.recency_days, recency_ratio = EXCLUDED.recency_ratio`,
      ch.map((c) => c.id), ch.map((c) => c.risk), ch.map((c) => c.pAlive), ch.map((c) => c.recencyDays), ch.map((c) => c.recencyRatio),
    ));

    // What was announced last, to decide what to announce now.
    const emitted = new Map(
      (await tx.$queryRawUnsafe<{ customer_id: string; snapshot: ValueSnapshot; risk_level: RiskLevel | null }[]>(
        `SELECT customer_id, snapshot, risk_level FROM value_emitted`,
      )).map((r) => [r.customer_id, r]),
    );
    const events: CloudEvent[] = [];
    const announced: { id: string; snapshot: ValueSnapshot; risk: RiskLevel }[] = [];
    let valueEvents = 0, riskRaised = 0, riskCleared = 0;
    const now = new Date().toISOString();
    for (const c of computed) {
      const prev = emitted.get(c.id);
      const snapshot: ValueSnapshot = {
        predictedClv: Number(c.predicted.toFixed(2)), historicalClv: c.historical.toFixed(2), abcClass: c.abc, segment: c.segment, riskLevel: c.risk,
      };
      const change = meaningfulValueChange(prev?.snapshot, snapshot);
      const transition = riskTransition(prev?.risk_level ?? null, c.risk);
      if (change.changed) {
        valueEvents++;
        events.push(createEvent(customerValueUpdated, {
          source: '/crm/analytics', subject: c.id,
          data: {
            customerId: c.id, currency: c.currency,
            historicalClv: toMoneyString(Math.max(0, c.historical.toNumber())), // money is non-negative in the contract
            predictedClv: toMoneyString(Math.max(0, c.predicted)), horizonWeeks,
            probabilityAlive: Math.min(1, Math.max(0, c.pAlive)), expectedPurchases: Math.max(0, c.expected), abcClass: c.abc,
            rfm: { recency: c.r, frequency: c.f, monetary: c.m, segment: c.segment as never },
          },
        }));
      }
      if (transition) {
        const def = transition === 'raised' ? churnRiskRaised : churnRiskCleared;
        if (transition === 'raised') riskRaised++; else riskCleared++;
        events.push(createEvent(def, {
          source: '/crm/analytics', subject: c.id,
          data: { customerId: c.id, level: c.risk, previousLevel: prev?.risk_level ?? null, probabilityAlive: Math.min(1, Math.max(0, c.pAlive)), recencyDays: c.recencyDays },
        }));
      }
      if (change.changed || transition || (prev && prev.risk_level !== c.risk)) {
        announced.push({ id: c.id, snapshot: change.changed ? snapshot : prev!.snapshot, risk: c.risk });
      }
    }
    await inChunks(events, (ch) => enqueue(tx, ch));
    await inChunks(announced, (ch) => tx.$executeRawUnsafe(
      `INSERT INTO value_emitted (customer_id, snapshot, risk_level, emitted_at)
       SELECT u.c, u.s::jsonb, u.r, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, s, r)
       ON CONFLICT (customer_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, risk_level = EXCLUDED.risk_level, emitted_at = EXCLUDED.emitted_at`,
      ch.map((a) => a.id), ch.map((a) => JSON.stringify(a.snapshot)), ch.map((a) => a.risk), now,
    ));
    return { valueEvents, riskRaised, riskCleared };
  }, { timeout: 600_000 });

  options.logger?.info({ asOf, customers: computed.length, ...result, refitted, ms: Date.now() - started }, 'values recomputed');
  return { asOf, customers: computed.length, ...result, refitted, bgnbd: bg, gammaGamma: gg };
}
