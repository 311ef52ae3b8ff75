// Content verdicts on Secrets (view.ts, ContentJudge), keyed by what the metadata cache already
// knows. A Secret's resourceVersion changes with every write, a delete and re-create included
// (it is etcd's revision of that write), so a verdict taken from a GET that answered version V
// holds for as long as the watch says the Secret is at V: no GET, no Secret data kept. The uid
// is kept with the verdict for the record; the version alone decides.
export type VerdictStats = { hits: number; misses: number; entries: number; bytes: number };

export type VerdictCacheLimits = { maxEntries: number; maxBytes: number; maxVerdictBytes: number };

// Bounded by count and by bytes so a cluster's TLS Secrets fit and the pod's memory budget holds
// (the sizing is in docs/cluster-view.md, "Answers"). A verdict over maxVerdictBytes is
// never kept: that Secret is read on each review instead.
export const DEFAULT_VERDICT_LIMITS: VerdictCacheLimits = { maxEntries: 16_384, maxBytes: 8 * 1024 * 1024, maxVerdictBytes: 8 * 1024 };

type Entry = { key: string; judgeId: string; namespace: string; name: string; uid: string; version: string; verdict: unknown; bytes: number; used: boolean };

// V8 stores these short strings one byte per character; a Map entry and the record cost ~100.
const ENTRY_OVERHEAD_BYTES = 100;

/** One string for a judge and a Secret (the eviction order's key; lookups go through nested maps). */
export const verdictKey = (judgeId: string, namespace: string, name: string): string => `${judgeId}\n${namespace}/${name}`;

export class VerdictCache {
  readonly #limits: VerdictCacheLimits;
  /**
   * In insertion order, evicted oldest first with a second chance (CLOCK): a hit only marks its
   * entry, and a marked entry about to be evicted moves to the end instead. A true LRU's
   * delete-and-set per hit was most of a lookup's cost in the profile (25 lookups per review).
   */
  readonly #entries = new Map<string, Entry>();
  /**
   * The same entries by judge id, namespace, name: a lookup (25 per review) then hashes the
   * request's own short strings instead of building and hashing a concatenated key each time,
   * which was most of a lookup's cost in the profile.
   */
  readonly #index = new Map<string, Map<string, Map<string, Entry>>>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(limits: VerdictCacheLimits = DEFAULT_VERDICT_LIMITS) {
    this.#limits = limits;
  }

  /** The verdict on a Secret if it was taken at `version`; counts a hit, and a miss unless told not to. */
  lookup(judgeId: string, namespace: string, name: string, version: string | undefined, countMiss = true): { verdict: unknown } | undefined {
    const entry = this.#index.get(judgeId)?.get(namespace)?.get(name);
    if (!entry || version === undefined || entry.version !== version) {
      if (countMiss) this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    entry.used = true;
    return entry;
  }

  /** Keeps a verdict taken from the Secret at `version`, evicting past the limits (oldest unused first). */
  store(judgeId: string, namespace: string, name: string, uid: string, version: string | undefined, verdict: unknown): void {
    const key = verdictKey(judgeId, namespace, name);
    this.#drop(key);
    if (version === undefined) return;
    const bytes = ENTRY_OVERHEAD_BYTES + key.length + uid.length + version.length + sizeOf(verdict);
    if (bytes - ENTRY_OVERHEAD_BYTES > this.#limits.maxVerdictBytes) return;
    const entry: Entry = { key, judgeId, namespace, name, uid, version, verdict, bytes, used: false };
    this.#entries.set(key, entry);
    let byNamespace = this.#index.get(judgeId);
    if (!byNamespace) this.#index.set(judgeId, (byNamespace = new Map()));
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    byName.set(name, entry);
    this.#bytes += bytes;
    while ((this.#entries.size > this.#limits.maxEntries || this.#bytes > this.#limits.maxBytes) && this.#entries.size > 1) this.#evictOne(key);
  }

  stats(): VerdictStats {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size, bytes: this.#bytes };
  }

  /** Evicts one entry other than `keep` (the one just stored). Each marked entry passed over loses its mark, so this ends. */
  #evictOne(keep: string): void {
    for (const [key, entry] of this.#entries) {
      if (key === keep) continue;
      if (entry.used) {
        entry.used = false;
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        continue;
      }
      this.#drop(key);
      return;
    }
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    const byNamespace = this.#index.get(entry.judgeId);
    const byName = byNamespace?.get(entry.namespace);
    byName?.delete(entry.name);
    if (byName?.size === 0) byNamespace?.delete(entry.namespace);
    if (byNamespace?.size === 0) this.#index.delete(entry.judgeId);
  }
}

/** An estimate from the JSON form, paid once per GET, never per hit. */
const sizeOf = (verdict: unknown): number => JSON.stringify(verdict ?? null).length;
