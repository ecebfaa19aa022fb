import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { HttpProblem } from '@crm/service-kit';
import type { Sql } from '@crm/db';
import { fitBgNbdModel, fitGammaGammaModel } from '../application/models.ts';
import { customer360, customerValue, highestRisk, rfmGrid, segmentCounts, serviceKpis, topValue } from '../application/queries.ts';
import { bgNbdFitView, fitBody, gammaGammaFitView, idParams, kpiQuery, limitQuery } from '../schemas.ts';

const agentReads = { roles: ['agent', 'analyst'] } as const;
const analystReads = { roles: ['analyst'] } as const;

/** Domain RangeErrors (no data, nothing to fit) are the client's problem: 422. */
async function fitting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RangeError) throw HttpProblem.unprocessable(err.message);
    throw err;
  }
}

export const analyticsRoutes: FastifyPluginAsyncZod<{ db: Sql }> = async (app, { db }) => {
  app.get('/v1/customers/:id/360', {
    config: { auth: agentReads },
    schema: { tags: ['customers'], summary: 'The whole customer: profile summary, stage, contacts, purchases, service, consent, value and risk', params: idParams },
  }, async (req) => customer360(db, req.params.id));

  app.get('/v1/customers/:id/value', {
    config: { auth: agentReads },
    schema: { tags: ['customers'], summary: 'Historical and predicted CLV, P(alive), expected purchases, ABC, RFM and churn risk', params: idParams },
  }, async (req) => customerValue(db, req.params.id));

  app.get('/v1/rankings/top-value', {
    config: { auth: analystReads },
    schema: { tags: ['rankings'], summary: 'Customers by predicted CLV, highest first', querystring: limitQuery },
  }, async (req) => topValue(db, req.query.limit));

  app.get('/v1/rankings/highest-risk', {
    config: { auth: analystReads },
    schema: { tags: ['rankings'], summary: 'Customers by churn risk (level, then lowest P(alive))', querystring: limitQuery },
  }, async (req) => highestRisk(db, req.query.limit));

  app.get('/v1/segments/counts', {
    config: { auth: analystReads },
    schema: { tags: ['segments'], summary: 'Customers per RFM segment, ABC class, risk level and lifecycle stage' },
  }, async () => segmentCounts(db));

  app.get('/v1/rfm/grid', {
    config: { auth: analystReads },
    schema: { tags: ['segments'], summary: 'Customers and net revenue per R x F cell' },
  }, async () => rfmGrid(db));

  app.get('/v1/kpis/service', {
    config: { auth: analystReads },
    schema: { tags: ['kpis'], summary: 'Service KPIs of tickets resolved in [from, to), by queue and by agent', querystring: kpiQuery },
  }, async (req) => serviceKpis(db, req.query.from, req.query.to));

  app.post('/v1/models/bg-nbd/fit', {
    config: { auth: analystReads },
    schema: { tags: ['models'], summary: 'Fit BG/NBD by maximum likelihood with an explicit calibration end (inclusive)', body: fitBody, response: { 200: bgNbdFitView } },
  }, async (req) => {
    const fit = await fitting(() => fitBgNbdModel(db, req.body));
    return { ...fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers, converged: fit.converged, ...req.body, fittedAt: fit.fittedAt.toISOString() };
  });

  app.post('/v1/models/gamma-gamma/fit', {
    config: { auth: analystReads },
    schema: { tags: ['models'], summary: 'Fit Gamma-Gamma on the repeat transactions up to the calibration end (inclusive)', body: fitBody, response: { 200: gammaGammaFitView } },
  }, async (req) => {
    const fit = await fitting(() => fitGammaGammaModel(db, req.body));
    return { ...fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers, converged: fit.converged, ...req.body, fittedAt: fit.fittedAt.toISOString() };
  });
};
