import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { HttpProblem } from '@crm/service-kit';
import type { RecomputeResult } from '../application/value.ts';
import type { Projector } from '../application/projector.ts';
import { rebuildStatusView, recomputeBody } from '../schemas.ts';

const adminOnly = { roles: [] } as const; // admin is always allowed

export interface AdminDeps {
  projector: Projector;
  recompute: (asOf?: string) => Promise<RecomputeResult>;
}

export const adminRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, { projector, recompute }) => {
  app.post('/v1/admin/recompute', {
    config: { auth: adminOnly },
    schema: { tags: ['admin'], summary: 'Refit the models and recompute value, RFM and churn risk now', body: recomputeBody.optional() },
  }, async (req) => recompute(req.body?.asOf));

  app.post('/v1/admin/rebuild', {
    config: { auth: adminOnly },
    schema: { tags: ['admin'], summary: 'Truncate the projections and replay every topic from the beginning (202; 409 while one runs)', response: { 202: rebuildStatusView } },
  }, async (_req, reply) => {
    if (!projector.startRebuild()) throw HttpProblem.conflict('a rebuild is already running');
    return reply.code(202).send(projector.rebuildStatus());
  });

  app.get('/v1/admin/rebuild/status', {
    config: { auth: adminOnly },
    schema: { tags: ['admin'], summary: 'Progress of the last rebuild: events replayed / total (high watermarks), events per second', response: { 200: rebuildStatusView } },
  }, async () => projector.rebuildStatus());
};
