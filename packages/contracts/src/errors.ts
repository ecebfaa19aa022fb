import type { z } from 'zod';

/** An event that fails its envelope or data schema, or whose type is unknown. */
export class EventParseError extends Error {
  override readonly name = 'EventParseError';
  constructor(
    message: string,
    readonly issues: readonly z.core.$ZodIssue[] = [],
    readonly eventType?: string,
  ) {
    const detail = issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    super(detail ? `${message}: ${detail}` : message);
  }
}
