import { z } from 'zod';
import { HttpProblem } from './problem.ts';

/** Opaque pagination cursor: base64url of the JSON of `value`. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Reverses encodeCursor; with a zod schema the content is validated too. A cursor that cannot be
 * decoded (or does not match) throws HttpProblem 400, so a handler can pass the query value straight in.
 */
export function decodeCursor<T = Record<string, unknown>>(cursor: string, schema?: z.ZodType<T>): T {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(cursor) || cursor.length === 0) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'Invalid cursor', { type: 'urn:crm:problem:invalid-cursor' });
  }
  if (!schema) {
    if (value === null || typeof value !== 'object') {
      throw new HttpProblem(400, 'Bad Request', 'Invalid cursor', { type: 'urn:crm:problem:invalid-cursor' });
    }
    return value as T;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'Bad Request', 'Invalid cursor', { type: 'urn:crm:problem:invalid-cursor' });
  return parsed.data;
}

/** Query string of a paginated list: `?limit=50&cursor=...`. Extend it with filters. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** Response shape of a paginated list: the items and the cursor of the next page (null at the end). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
