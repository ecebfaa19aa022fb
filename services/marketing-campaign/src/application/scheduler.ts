// The DB-driven scheduler: every tick it starts due scheduled campaigns, runs one running campaign under
// a lease (another instance skips it), wakes due journey instances and dispatches queued journey
// messages. Everything it needs is in the database, so a restart picks up exactly where it stopped.
import type { Logger } from 'pino';
import type { Db } from '../db.ts';
import type { Delivery } from '../delivery/index.ts';
import { moveCampaign } from './campaigns.ts';
import { dispatchJourneySends, wakeDueJourneys } from './journeys.ts';
import { birthdays, evaluateTiers, expirePoints } from './loyalty-jobs.ts';
import { runCampaign } from './runner.ts';

export interface SchedulerDeps {
  db: Db;
  delivery: Delivery;
  logger: Logger;
  intervalMs?: number;
  clock?: () => Date;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly deps: SchedulerDeps) {}

  /** One pass over everything that is due. */
  async tick(): Promise<void> {
    const { db, logger } = this.deps;
    const now = (this.deps.clock ?? (() => new Date()))();
    // 1. scheduled campaigns whose time has come start running
    const due = await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM campaign WHERE state = 'scheduled' AND next_run_at <= $1 ORDER BY next_run_at LIMIT 20`,
      now,
    );
    for (const { id } of due) {
      try {
        await moveCampaign(db, id, 'start', now, {});
      } catch (err) {
        logger.debug({ err, campaignId: id }, 'campaign start skipped');
      }
    }
    // 2. one running campaign under a lease
    const [leased] = await db.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE campaign SET lease_until = $1::timestamptz + interval '5 minutes'
        WHERE id = (SELECT id FROM campaign
                     WHERE state = 'running' AND (next_run_at IS NULL OR next_run_at <= $1)
                       AND (lease_until IS NULL OR lease_until < $1)
                     ORDER BY next_run_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      now,
    );
    if (leased) {
      try {
        const out = await runCampaign({ db, delivery: this.deps.delivery, logger, ...(this.deps.clock ? { clock: this.deps.clock } : {}) }, leased.id);
        logger.info({ campaignId: leased.id, ...out }, 'campaign run');
      } finally {
        await db.campaign.update({ where: { id: leased.id }, data: { leaseUntil: null } });
      }
    }
    // 3. journeys
    await wakeDueJourneys(db, now);
    await dispatchJourneySends(db, this.deps.delivery, logger);
    // 4. loyalty housekeeping and birthdays, at most once a minute
    if (now.getTime() - this.lastHousekeeping >= 60_000) {
      this.lastHousekeeping = now.getTime();
      await expirePoints(db, now);
      await evaluateTiers(db, now);
      await birthdays(db, now);
    }
  }

  private lastHousekeeping = 0;

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((err) => this.deps.logger.error({ err }, 'scheduler tick failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.deps.intervalMs ?? 1000);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
