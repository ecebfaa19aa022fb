// Survey answers: CSAT, NPS, SERVQUAL. The comment stays here; the event carries scores and ids only.
import { newId } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import type { Db } from '../db.ts';
import { publishers } from '../events/publish.ts';
import type { SurveyResponse } from '../generated/prisma/client.ts';
import type { SurveyCreate } from '../schemas.ts';
import type { Actor } from './context.ts';
import { requireCustomer, type CustomerDirectory } from './customer-directory.ts';

type ServqualItem = { dimension: string; item: number; expectation: number; perception: number };

export function toSurveyView(s: SurveyResponse) {
  return {
    id: s.id,
    customerId: s.customerId,
    kind: s.kind,
    score: s.score,
    servqual: (s.servqual ?? null) as ServqualItem[] | null,
    comment: s.comment,
    answeredAt: s.answeredAt.toISOString(),
    ticketId: s.ticketId,
    interactionId: s.interactionId,
    campaignId: s.campaignId,
  };
}

export async function answerSurvey(db: Db, directory: CustomerDirectory, input: SurveyCreate, actor: Actor) {
  return db.$transaction(async (tx) => {
    const customerId = await requireCustomer(directory, tx, input.customerId);
    const row = await tx.surveyResponse.create({
      data: {
        id: newId('svy'),
        customerId,
        kind: input.kind,
        score: input.score ?? null,
        ...(input.servqual ? { servqual: input.servqual } : {}),
        comment: input.comment ?? null,
        answeredAt: input.answeredAt ? new Date(input.answeredAt) : new Date(),
        ticketId: input.ticketId ?? null,
        interactionId: input.interactionId ?? null,
        campaignId: input.campaignId ?? null,
      },
    });
    await publishers.surveyAnswered(tx, {
      responseId: row.id,
      customerId,
      kind: input.kind,
      answeredAt: row.answeredAt.toISOString(),
      score: input.score,
      servqual: input.servqual,
      ticketId: input.ticketId,
      interactionId: input.interactionId,
      campaignId: input.campaignId,
    }, actor);
    return toSurveyView(row);
  });
}

export async function getSurvey(db: Db, id: string) {
  const row = await db.surveyResponse.findUnique({ where: { id } });
  if (!row) throw new HttpProblem(404, 'Not Found', `survey response ${id} not found`);
  return toSurveyView(row);
}
