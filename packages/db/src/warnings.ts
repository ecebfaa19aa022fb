/**
 * Prisma's pg adapter queues several queries on one transaction's connection while it interprets a nested
 * write; pg 8 then warns that this will stop working in pg 9. The queries still run in order, the warning
 * tells an operator nothing they can act on, and it would print on every service start. Only this one
 * message is dropped; every other warning still reaches stderr. Remove when @prisma/adapter-pg awaits its
 * queries (or when moving to pg 9, which this then has to be checked against).
 */
const PG_QUEUE_DEPRECATION = 'Calling client.query() when the client is already executing a query';
let installed = false;

export function silencePgQueueDeprecation(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
    if (text.startsWith(PG_QUEUE_DEPRECATION)) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
