import { HttpProblem } from '@crm/service-kit';

export const etagOf = (version: number) => `W/"${version}"`;

/** The version from If-Match (`W/"3"`, `"3"`); undefined when absent (transitions may omit it, edits may not). */
export function ifMatchVersion(ifMatch: string | undefined, required = false): number | undefined {
  if (!ifMatch) {
    if (required) throw new HttpProblem(428, 'Precondition Required', 'send If-Match with the ETag of the version you changed');
    return undefined;
  }
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new HttpProblem(400, 'Bad If-Match', 'If-Match must be an ETag returned by this API, e.g. W/"3"');
  return Number(match[1]);
}
