import { HttpProblem } from '@crm/service-kit';

export const etagOf = (version: number) => `W/"${version}"`;

/** Reads the expected version from If-Match (`W/"3"`, `"3"`); updates without one are refused with 428. */
export function expectedVersion(ifMatch: string | undefined): number {
  if (!ifMatch) throw new HttpProblem(428, 'Precondition Required', 'send If-Match with the ETag of the version you changed');
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new HttpProblem(400, 'Bad If-Match', 'If-Match must be an ETag returned by this API, e.g. W/"3"');
  return Number(match[1]);
}

/** If-Match is optional on ticket actions (the row lock serialises them); when sent, a stale one is a 409. */
export function optionalVersion(ifMatch: string | undefined): number | undefined {
  return ifMatch ? expectedVersion(ifMatch) : undefined;
}
