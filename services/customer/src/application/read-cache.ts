// The customer record is read far more often than it changes (every screen, every service asking "who is
// this?"). Reads are served from memory for a short time; writes through this instance drop the entry at
// once (read-your-writes), and a change made by another instance or by an event is visible within the TTL.

interface Entry {
  body: string;
  etag: string;
  expiresAt: number;
}

export class CustomerReadCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(id: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(id: string, body: string, etag: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { body, etag, expiresAt: now + this.ttlMs });
  }

  invalidate(...ids: Array<string | undefined | null>): void {
    for (const id of ids) if (id) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
