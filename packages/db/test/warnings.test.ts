import { expect, it } from 'vitest';
import { silencePgQueueDeprecation } from '../src/index.ts';

it('drops only the pg queue deprecation, passes every other warning on', async () => {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(w.message);
  process.on('warning', listener);
  silencePgQueueDeprecation();
  process.emitWarning('Calling client.query() when the client is already executing a query is deprecated', 'DeprecationWarning');
  process.emitWarning('something else', 'DeprecationWarning');
  await new Promise((r) => setImmediate(r));
  process.off('warning', listener);
  expect(seen).toEqual(['something else']);
});
