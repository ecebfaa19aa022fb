import { describe, expect, it } from 'vitest';
import { CustomerReadCache } from '../../src/application/read-cache.ts';

describe('CustomerReadCache', () => {
  it('serves an entry until its TTL, then forgets it', () => {
    const cache = new CustomerReadCache(1000);
    cache.set('cus_a', '{"id":"cus_a"}', 'W/"1"', 0);
    expect(cache.get('cus_a', 999)?.body).toBe('{"id":"cus_a"}');
    expect(cache.get('cus_a', 1000)).toBeUndefined();
  });
  it('invalidates by id and evicts the oldest entry when full', () => {
    const cache = new CustomerReadCache(1000, 2);
    cache.set('a', 'A', 'e', 0);
    cache.set('b', 'B', 'e', 0);
    cache.set('c', 'C', 'e', 0);
    expect(cache.get('a', 1)).toBeUndefined();
    cache.invalidate('b', undefined, null);
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('c', 1)?.body).toBe('C');
  });
  it('a TTL of 0 caches nothing', () => {
    const cache = new CustomerReadCache(0);
    cache.set('a', 'A', 'e', 0);
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
