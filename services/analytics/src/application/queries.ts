// Read side: the 360, value, rankings, segment counts, RFM grid and service KPIs.
import type { Sql } from '@crm/db';
import { HttpProblem } from '@crm/service-kit';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const iso = (v: Date | null) => (v ? v.toISOString() : null);

export async function customer360(db: Sql, id: string) {
  const rows = await db.$queryRawUnsafe<Record<string, any>[]>(
    `SELECT c.*, c.revenue::text AS revenue_t, c.refunded::text AS refunded_t,
       (SELECT count(*)::int FROM ticket_fact t WHERE t.customer_id = c.customer_id AND t.status NOT IN ('resolved', 'closed')) AS open_tickets,
       (SELECT count(*)::int FROM ticket_fact t WHERE t.customer_id = c.customer_id) AS tickets
     FROM customer_360 c WHERE c.customer_id = $1`,
    id,
  );
  const c = rows[0];
  if (!c) throw HttpProblem.notFound(`no analytics data for customer ${id}`);
  const channels = await db.$queryRawUnsafe<{ channel: string; interactions: number; last_at: Date }[]>(
    `SELECT channel, interactions, last_at FROM customer_channel WHERE customer_id = $1 ORDER BY channel`, id,
  );
  const consents = await db.$queryRawUnsafe<{ channel: string; purpose: string; granted: boolean; effective_at: Date }[]>(
    `SELECT channel, purpose, granted, effective_at FROM customer_consent WHERE customer_id = $1 ORDER BY channel, purpose`, id,
  );
  const value = await customerValue(db, id).catch(() => null);
  const count = Number(c.purchase_count);
  const revenue = Number(c.revenue_t);
  const net = (Number(c.revenue_t) - Number(c.refunded_t)).toFixed(2);
  return {
    customerId: id,
    profile: {
      kind: c.kind, displayName: c.display_name, primaryEmail: c.primary_email, primaryPhone: c.primary_phone,
      country: c.country, timeZone: c.time_zone, locale: c.locale, tags: c.tags ?? [], ownerAgentId: c.owner_agent_id,
      mergedIntoId: c.merged_into_id,
    },
    lifecycleStage: c.lifecycle_stage,
    interactions: {
      total: c.interaction_count,
      lastContactAt: iso(c.last_contact_at),
      lastContactChannel: c.last_contact_channel,
      byChannel: channels.map((x) => ({ channel: x.channel, interactions: x.interactions, lastAt: x.last_at.toISOString() })),
    },
    purchases: {
      count,
      revenue: revenue.toFixed(2),
      refunded: Number(c.refunded_t).toFixed(2),
      netRevenue: net,
      averageOrderValue: count > 0 ? (revenue / count).toFixed(2) : null,
      currency: c.currency,
      firstAt: iso(c.first_purchase_at),
      lastAt: iso(c.last_purchase_at),
    },
    service: {
      openTickets: c.open_tickets,
      tickets: c.tickets,
      slaBreaches: c.sla_breaches,
      csat: c.csat_count > 0 ? { average: Number((c.csat_sum / c.csat_count).toFixed(2)), responses: c.csat_count } : null,
      nps: c.nps_count > 0 ? { last: c.nps_last, responses: c.nps_count } : null,
    },
    consent: consents.map((x) => ({ channel: x.channel, purpose: x.purpose, granted: x.granted, effectiveAt: x.effective_at.toISOString() })),
    value,
  };
}

export async function customerValue(db: Sql, id: string) {
  const rows = await db.$queryRawUnsafe<Record<string, any>[]>(
    `SELECT v.*, v.historical_clv::text AS h, v.predicted_clv::text AS p, to_char(v.as_of, 'YYYY-MM-DD') AS as_of_t,
       r.r, r.f, r.m, r.code, r.segment, r.recency_days, k.level, k.recency_ratio
     FROM customer_value v LEFT JOIN customer_rfm r USING (customer_id) LEFT JOIN churn_risk k USING (customer_id)
     WHERE v.customer_id = $1`,
    id,
  );
  const v = rows[0];
  if (!v) throw HttpProblem.notFound(`no value computed for customer ${id} yet`);
  return valueView(v);
}

function valueView(v: Record<string, any>) {
  return {
    customerId: v.customer_id as string,
    currency: v.currency as string | null,
    historicalClv: Number(v.h).toFixed(2),
    predictedClv: Number(v.p).toFixed(2),
    probabilityAlive: v.p_alive as number,
    expectedPurchases: v.expected_purchases as number,
    expectedSpend: v.expected_spend as number,
    abcClass: v.abc_class as string,
    summary: { x: v.x as number, tx: v.tx as number, T: v.t as number, monetaryValue: v.monetary as number },
    rfm: v.code ? { recency: v.r, frequency: v.f, monetary: v.m, code: v.code, segment: v.segment, recencyDays: v.recency_days } : null,
    risk: v.level ? { level: v.level as string, recencyRatio: v.recency_ratio as number } : null,
    asOf: v.as_of_t as string,
  };
}

const VALUE_SELECT = `SELECT v.*, v.historical_clv::text AS h, v.predicted_clv::text AS p, to_char(v.as_of, 'YYYY-MM-DD') AS as_of_t,
  r.r, r.f, r.m, r.code, r.segment, r.recency_days, k.level, k.recency_ratio
  FROM customer_value v LEFT JOIN customer_rfm r USING (customer_id) LEFT JOIN churn_risk k USING (customer_id)`;

export async function topValue(db: Sql, limit: number) {
  const rows = await db.$queryRawUnsafe<Record<string, any>[]>(`${VALUE_SELECT} ORDER BY v.predicted_clv DESC, v.customer_id LIMIT $1`, limit);
  return { items: rows.map(valueView) };
}

export async function highestRisk(db: Sql, limit: number) {
  const rows = await db.$queryRawUnsafe<Record<string, any>[]>(
    `${VALUE_SELECT} ORDER BY CASE k.level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, v.p_alive ASC, v.predicted_clv DESC, v.customer_id LIMIT $1`,
    limit,
  );
  return { items: rows.map(valueView) };
}

export async function segmentCounts(db: Sql) {
  const q = (sql: string) => db.$queryRawUnsafe<{ k: string; n: number }[]>(sql);
  const toObj = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
  return {
    rfmSegments: toObj(await q(`SELECT segment AS k, count(*)::int AS n FROM customer_rfm GROUP BY segment ORDER BY segment`)),
    abcClasses: toObj(await q(`SELECT abc_class AS k, count(*)::int AS n FROM customer_value GROUP BY abc_class ORDER BY abc_class`)),
    riskLevels: toObj(await q(`SELECT level AS k, count(*)::int AS n FROM churn_risk GROUP BY level ORDER BY level`)),
    lifecycleStages: toObj(await q(`SELECT lifecycle_stage AS k, count(*)::int AS n FROM customer_360 WHERE lifecycle_stage IS NOT NULL GROUP BY lifecycle_stage ORDER BY lifecycle_stage`)),
  };
}

export async function rfmGrid(db: Sql) {
  const rows = await db.$queryRawUnsafe<{ r: number; f: number; customers: number; monetary: string }[]>(
    `SELECT r, f, count(*)::int AS customers, sum(monetary)::text AS monetary FROM customer_rfm GROUP BY r, f ORDER BY r DESC, f`,
  );
  return { cells: rows.map((x) => ({ r: x.r, f: x.f, customers: x.customers, monetary: Number(x.monetary).toFixed(2) })) };
}

export async function serviceKpis(db: Sql, from: string, to: string) {
  const kpi = (key: string) => db.$queryRawUnsafe<Record<string, any>[]>(
    `SELECT ${key} AS key, count(*)::int AS resolved,
       avg(first_response_seconds)::float8 AS avg_first_response_seconds,
       avg(resolution_seconds)::float8 AS avg_resolution_seconds,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY resolution_seconds) AS p90_resolution_seconds,
       avg(CASE WHEN sla_met THEN 1.0 ELSE 0.0 END)::float8 AS sla_met_rate,
       avg(CASE WHEN first_contact_resolved THEN 1.0 ELSE 0.0 END)::float8 AS fcr_rate,
       sum(breaches)::int AS sla_breaches,
       avg(csat)::float8 AS csat_average, count(csat)::int AS csat_responses
     FROM ticket_fact WHERE resolved_at >= $1::timestamptz AND resolved_at < $2::timestamptz
     GROUP BY ${key} ORDER BY ${key} NULLS LAST`,
    from, to,
  );
  const view = (r: Record<string, any>) => ({
    resolved: r.resolved, avgFirstResponseSeconds: r.avg_first_response_seconds, avgResolutionSeconds: r.avg_resolution_seconds,
    p90ResolutionSeconds: num(r.p90_resolution_seconds), slaMetRate: r.sla_met_rate, firstContactResolutionRate: r.fcr_rate,
    slaBreaches: r.sla_breaches, csatAverage: r.csat_average, csatResponses: r.csat_responses,
  });
  const open = await db.$queryRawUnsafe<{ queue_id: string | null; n: number }[]>(
    `SELECT queue_id, count(*)::int AS n FROM ticket_fact WHERE status NOT IN ('resolved', 'closed') GROUP BY queue_id`,
  );
  const openBy = new Map(open.map((o) => [o.queue_id, o.n]));
  return {
    from, to,
    byQueue: (await kpi('queue_id')).map((r) => ({ queueId: r.key as string | null, openTickets: openBy.get(r.key) ?? 0, ...view(r) })),
    byAgent: (await kpi('agent_id')).map((r) => ({ agentId: r.key as string | null, ...view(r) })),
  };
}
