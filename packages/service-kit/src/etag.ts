// Optimistic concurrency over HTTP: a resource's version travels as a weak ETag, and updates name the
// version they were based on in If-Match.
import { HttpProblem } from './problem.ts';

export const etagOf = (version: number) => `W/"${version}"`;

/** The version an If-Match names (`W/"3"` or `"3"`); undefined when the header is absent. */
export function ifMatchVersion(ifMatch: string | undefined): number | undefined {
  if (!ifMatch) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new HttpProblem(400, 'Bad If-Match', 'If-Match must be an ETag returned by this API, e.g. W/"3"');
  return Number(match[1]);
}

/** Like ifMatchVersion, but an update without If-Match is refused with 428 Precondition Required. */
export function expectedVersion(ifMatch: string | undefined): number {
  const version = ifMatchVersion(ifMatch);
  if (version === undefined) throw new HttpProblem(428, 'Precondition Required', 'send If-Match with the ETag of the version you changed');
  return version;
}
