// A small map whose entries expire. Expired entries are dropped when read, and the map is
// swept when it grows past `maxEntries`, so a flood of distinct names cannot grow it forever.

export type Clock = () => number;

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #now: Clock;
  readonly #maxEntries: number;

  constructor(now: Clock = Date.now, maxEntries = 10_000) {
    this.#now = now;
    this.#maxEntries = maxEntries;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** A ttl of 0 or less stores nothing (a TTL-0 record must not be cached). */
  set(key: string, value: V, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    if (this.#entries.size >= this.#maxEntries) this.#sweep();
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
