import { describe, expect, it } from 'vitest';
import { etagOf, expectedVersion, HttpProblem, ifMatchVersion } from '../src/index.ts';

describe('etag', () => {
  it('round-trips a version through a weak ETag', () => {
    expect(etagOf(3)).toBe('W/"3"');
    expect(ifMatchVersion(etagOf(3))).toBe(3);
    expect(ifMatchVersion('"7"')).toBe(7);
    expect(ifMatchVersion(undefined)).toBeUndefined();
  });
  it('refuses a malformed If-Match with 400 and a missing required one with 428', () => {
    expect(() => ifMatchVersion('3')).toThrow(HttpProblem);
    try {
      expectedVersion(undefined);
    } catch (e) {
      expect((e as HttpProblem).status).toBe(428);
    }
    expect(() => expectedVersion(undefined)).toThrow(/If-Match/);
  });
});
