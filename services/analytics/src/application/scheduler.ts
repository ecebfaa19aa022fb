// Runs the value recompute on a schedule and on demand, one run at a time (a request during a run
// waits for that run and then runs again, so it sees every event projected before it asked).
import { HttpProblem } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { RecomputeResult } from './value.ts';

export class ValueScheduler {
  private timer: ReturnType<typeof setInterval> | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly job: (asOf?: string) => Promise<RecomputeResult>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** While this says true (a rebuild is replaying) the projections are partial: no recompute. */
    private readonly paused: () => boolean = () => false,
  ) {}

  run(asOf?: string): Promise<RecomputeResult> {
    if (this.paused()) return Promise.reject(HttpProblem.conflict('a rebuild is replaying the event log; values are recomputed when it ends'));
    const next = this.chain.catch(() => {}).then(() => this.job(asOf));
    this.chain = next;
    return next;
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.paused()) return;
      this.run().catch((err) => this.logger.error({ err }, 'scheduled value recompute failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain.catch(() => {});
  }
}
