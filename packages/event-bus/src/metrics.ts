import { Counter, Gauge, type Registry } from 'prom-client';

type Config<L extends string> = { name: string; help: string; labelNames: readonly L[] };

/**
 * Metrics are registered once per registry: several consumers (or a consumer and a relay) in one process
 * share the same series families. Without a registry the metric lives unregistered (still readable).
 */
export function counter<L extends string>(registry: Registry | undefined, cfg: Config<L>): Counter<L> {
  const existing = registry?.getSingleMetric(cfg.name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ ...cfg, labelNames: [...cfg.labelNames], registers: registry ? [registry] : [] });
}

export function gauge<L extends string>(
  registry: Registry | undefined,
  cfg: Config<L> & { collect?: (this: Gauge<L>) => void | Promise<void> },
): Gauge<L> {
  const existing = registry?.getSingleMetric(cfg.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ ...cfg, labelNames: [...cfg.labelNames], registers: registry ? [registry] : [] });
}
