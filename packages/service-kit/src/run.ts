import type { FastifyInstance } from 'fastify';

export interface RunServiceOptions {
  app: FastifyInstance;
  port: number;
  host?: string;
  /** Run in order after fastify has closed (stop consumers, relay, database...). */
  onClose?: Array<() => Promise<void>>;
  /** Force exit when the graceful close takes longer (default 15 s). */
  closeTimeoutMs?: number;
  /** Signals that start a graceful close (default SIGTERM, SIGINT). */
  signals?: NodeJS.Signals[];
  /** Replaceable for tests; default process.exit. */
  exit?: (code: number) => void;
}

export interface RunningService {
  address: string;
  /** Closes fastify then every onClose in order; resolves with the exit code it would use. */
  shutdown(reason?: string): Promise<number>;
}

/**
 * Listens, and on SIGTERM/SIGINT closes fastify, then each onClose hook in order, then exits 0
 * (1 when a close step failed). A second signal, or the close timeout, forces exit 1.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { app, port, host = '0.0.0.0', onClose = [], closeTimeoutMs = 15_000 } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = app.log;

  let closing: Promise<number> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<number> => {
    if (closing) return closing;
    closing = (async () => {
      log.info({ reason }, 'closing');
      let code = 0;
      try {
        await app.close();
      } catch (err) {
        code = 1;
        log.error({ err }, 'error while closing the HTTP server');
      }
      for (const [i, hook] of onClose.entries()) {
        try {
          await hook();
        } catch (err) {
          code = 1;
          log.error({ err, hook: i }, 'error in onClose hook');
        }
      }
      log.info({ code }, 'closed');
      return code;
    })();
    return closing;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn({ signal }, 'second signal: forcing exit');
      exit(1);
      return;
    }
    const timer = setTimeout(() => {
      log.error({ closeTimeoutMs }, 'close timed out: forcing exit');
      exit(1);
    }, closeTimeoutMs);
    timer.unref();
    void shutdown(signal).then((code) => {
      clearTimeout(timer);
      for (const s of signals) process.off(s, onSignal);
      exit(code);
    });
  };
  for (const s of signals) process.on(s, onSignal);

  try {
    const address = await app.listen({ port, host });
    return { address, shutdown };
  } catch (err) {
    for (const s of signals) process.off(s, onSignal);
    throw err;
  }
}
