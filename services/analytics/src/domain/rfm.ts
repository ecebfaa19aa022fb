/**
 * RFM scoring and segments. Pure, no I/O.
 *
 * Scores are quintiles 1..5 over the customer base, rank-based with MIN-RANK ties: a customer's score is
 *   floor(5 * (number of customers with a strictly worse value) / n) + 1
 * so equal values always get the same score (the whole tie group takes the score of its lowest rank,
 * as pandas' rank(method='min') would) and the result does not depend on input order. A large tie group
 * at the bottom (e.g. the many one-time buyers for F) therefore all score 1, and some scores may be
 * unused. "Better" means:
 *   R: more recent last purchase (fewer days since the last purchase)
 *   F: more purchases
 *   M: more money (net revenue)
 *
 * Segments come from the usual R x F grid (the widely used 10-segment map, with R=1/F=1 split off as
 * `lost`):
 *
 *   R \ F |   1             2                   3                   4               5
 *   ------+----------------------------------------------------------------------------------------
 *     5   | new_customer    potential_loyalist  potential_loyalist  champions       champions
 *     4   | promising       potential_loyalist  potential_loyalist  loyal           loyal
 *     3   | about_to_sleep  about_to_sleep      need_attention      loyal           loyal
 *     2   | hibernating     hibernating         at_risk             at_risk         cannot_lose
 *     1   | lost            hibernating         at_risk             at_risk         cannot_lose
 */

export type RfmSegment =
  | 'champions'
  | 'loyal'
  | 'potential_loyalist'
  | 'new_customer'
  | 'promising'
  | 'need_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cannot_lose'
  | 'hibernating'
  | 'lost';

export type Score = 1 | 2 | 3 | 4 | 5;

/** RFM_SEGMENT_GRID[r - 1][f - 1]. */
export const RFM_SEGMENT_GRID: readonly (readonly RfmSegment[])[] = [
  ['lost', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  ['new_customer', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
];

export function rfmSegment(r: number, f: number): RfmSegment {
  if (!(Number.isInteger(r) && r >= 1 && r <= 5 && Number.isInteger(f) && f >= 1 && f <= 5)) {
    throw new RangeError(`scores must be integers 1..5, got r=${r} f=${f}`);
  }
  return RFM_SEGMENT_GRID[r - 1]![f - 1]!;
}

/**
 * Quintile scores (higher value = higher score) with min-rank ties; output aligned with the input.
 * Non-finite values are rejected.
 */
export function quintileScores(values: readonly number[]): Score[] {
  const n = values.length;
  if (n === 0) return [];
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`non-finite value ${v}`);
  const order = values.map((v, i) => ({ v, i })).sort((p, q) => p.v - q.v);
  const out = new Array<Score>(n);
  let below = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 && order[k]!.v !== order[k - 1]!.v) below = k;
    out[order[k]!.i] = (Math.floor((5 * below) / n) + 1) as Score;
  }
  return out;
}

export interface RfmInput {
  customerId: string;
  /** Days between the last purchase and the as-of date (>= 0). */
  recencyDays: number;
  /** Number of purchases (or purchase days). */
  frequency: number;
  /** Net revenue; decimal string or number. */
  monetary: number | string;
}

export interface RfmScore {
  customerId: string;
  r: Score;
  f: Score;
  m: Score;
  /** e.g. "545" */
  code: string;
  segment: RfmSegment;
}

/** Scores every customer of the base (customers without purchases should not be passed). */
export function rfmScores(customers: readonly RfmInput[]): RfmScore[] {
  const r = quintileScores(customers.map((c) => -c.recencyDays));
  const f = quintileScores(customers.map((c) => c.frequency));
  const m = quintileScores(customers.map((c) => Number(c.monetary)));
  return customers.map((c, i) => {
    const ri = r[i]!;
    const fi = f[i]!;
    const mi = m[i]!;
    return { customerId: c.customerId, r: ri, f: fi, m: mi, code: `${ri}${fi}${mi}`, segment: rfmSegment(ri, fi) };
  });
}
