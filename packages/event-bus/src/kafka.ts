// kafkajs behind one door: every service gets its Kafka client from here, so a later change of client
// (kafkajs is unmaintained) stays in this package.
import { createRequire } from 'node:module';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export type CreateKafkaOptions = {
  brokers: string[] | string;
  clientId: string;
  logger: Logger;
  /** Extra kafkajs settings (ssl, sasl, retry, ...); brokers/clientId/logCreator come from above. */
  config?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'logLevel'>;
};

export function createKafka({ brokers, clientId, logger, config }: CreateKafkaOptions): Kafka {
  patchKafkaJsNegativeTimeout();
  const list = typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()).filter(Boolean) : brokers;
  return new Kafka({
    ...config,
    clientId,
    brokers: list,
    logLevel: kafkaLogLevelFor(logger.level),
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
  });
}

function kafkaLogLevelFor(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/** Bridges kafkajs log entries into pino, keeping kafkajs's structured fields. */
export function pinoLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const obj = { namespace, ...fields };
      // The relay and DLQ producers are idempotent with bounded retries on purpose (a failed batch is
      // rolled back and re-sent later; consumers dedupe by event id), so this advice is noise for us.
      if (message === 'Limiting retries for the idempotent producer may invalidate EoS guarantees') {
        logger.debug(obj, message);
        return;
      }
      switch (level) {
        case logLevel.ERROR:
          logger.error(obj, message);
          break;
        case logLevel.WARN:
          logger.warn(obj, message);
          break;
        case logLevel.INFO:
          logger.info(obj, message);
          break;
        default:
          logger.debug(obj, message);
      }
    };
}

const PATCHED = Symbol.for('crm.event-bus.kafkajs-negative-timeout-patched');

/**
 * Node 24 prints a TimeoutNegativeWarning whenever setTimeout gets a negative delay. kafkajs 2.2.4's
 * RequestQueue.scheduleCheckPendingRequests computes `throttledUntil - Date.now()` (throttledUntil starts
 * at -1) and passes it to setTimeout unclamped when nothing is pending. Node already treats a negative
 * delay as 1 ms, so clamping with Math.max(0, ...) changes no behaviour and silences the warning at its
 * source.
 *
 * Why this and not the alternatives: a process.on('warning') listener cannot stop Node from printing
 * the warning, and process.removeAllListeners('warning') plus re-emitting would take over warning output
 * for the whole process (other libraries' warnings, --no-warnings handling). Replacing one method of one
 * internal class is the smallest change. It is guarded: it runs once, and only if the method still has
 * the exact shape we expect (kafkajs is pinned to 2.2.4); otherwise it leaves kafkajs untouched.
 */
export function patchKafkaJsNegativeTimeout(): boolean {
  const g = globalThis as Record<symbol, unknown>;
  if (g[PATCHED] !== undefined) return g[PATCHED] === true;
  let patched = false;
  try {
    const require = createRequire(import.meta.url);
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
      prototype: Record<string, unknown>;
    };
    const proto = RequestQueue.prototype;
    const original = proto['scheduleCheckPendingRequests'];
    if (typeof original === 'function' && original.toString().includes('this.throttledUntil - Date.now()')) {
      proto['scheduleCheckPendingRequests'] = function scheduleCheckPendingRequests(this: RequestQueueState) {
        // Same logic as kafkajs 2.2.4, with the delay clamped at 0.
        let scheduleAt = this.throttledUntil - Date.now();
        if (!this.throttleCheckTimeoutId) {
          if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
          this.throttleCheckTimeoutId = setTimeout(() => {
            this.throttleCheckTimeoutId = null;
            this.checkPendingRequests();
          }, Math.max(0, scheduleAt));
        }
      };
      patched = true;
    }
  } catch {
    patched = false;
  }
  g[PATCHED] = patched;
  return patched;
}

const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs's own constant

type RequestQueueState = {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
};
