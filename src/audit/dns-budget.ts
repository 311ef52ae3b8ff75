// The audit's DNS budget: at most `perSecond` lookups started in any one-second window. An audit
// of 10,000 Certificates asks for every name (certificate-dns: addresses, and CAA up the tree)
// on the resolver the webhook shares; unthrottled, that burst would compete with admission
// lookups at the same DNS server and could trip its rate limits. Only the audit's resolver goes
// through the budget: admission asks the shared one directly and never waits here. An answer the
// shared cache already holds is returned at once and costs nothing.
import { untilAborted } from '../abortable.ts';
import type { CaaResult, LookupResult, NameResolver } from '../dns/resolver.ts';

const WINDOW_MS = 1000;

export type BudgetClock = {
  now(): number;
  sleep(ms: number): Promise<void>;
};

const realClock: BudgetClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Grants starts in arrival order, never more than `perSecond` in any window of one second. */
export class StartBudget {
  readonly #perSecond: number;
  readonly #clock: BudgetClock;
  /** When each start in the current window was granted, oldest first. */
  readonly #starts: number[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(perSecond: number, clock: BudgetClock = realClock) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  /** True once this caller may start; false when `signal` aborted before its turn (no start spent). */
  take(signal?: AbortSignal): Promise<boolean> {
    const turn = this.#queue.then(() => this.#wait(signal));
    this.#queue = turn;
    return turn;
  }

  async #wait(signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.#clock.now();
      while (this.#starts.length > 0 && (this.#starts[0] ?? 0) <= now - WINDOW_MS) this.#starts.shift();
      if (this.#starts.length < this.#perSecond) {
        this.#starts.push(now);
        return true;
      }
      await this.#clock.sleep((this.#starts[0] ?? now) + WINDOW_MS - now);
    }
  }
}

const lookupTimedOut = (): LookupResult => ({ error: 'TIMEOUT', cnames: [], detail: 'deadline' });
const caaTimedOut = (): CaaResult => ({ error: 'TIMEOUT', detail: 'deadline' });

/**
 * `shared` behind a budget of `perSecond` lookups (A/AAAA and CAA alike) per second. Answers
 * `shared` holds in its cache (peek) skip the budget; a resolver without peek (tests' tables)
 * spends one start per lookup.
 */
export const budgetedResolver = (shared: NameResolver, perSecond: number, clock?: BudgetClock): NameResolver => {
  const budget = new StartBudget(perSecond, clock);
  const after = async <R>(signal: AbortSignal | undefined, ask: () => Promise<R>, onAbort: () => R): Promise<R> =>
    (await budget.take(signal)) ? ask() : onAbort();
  return {
    lookup: (name, options = {}) => {
      const cached = shared.peek?.(name);
      if (cached) return Promise.resolve(cached);
      return untilAborted(
        after(options.signal, () => shared.lookup(name, options), lookupTimedOut),
        options.signal,
        lookupTimedOut,
      );
    },
    lookupCaa: (name, options = {}) => {
      const cached = shared.peekCaa?.(name);
      if (cached) return Promise.resolve(cached);
      return untilAborted(
        after(options.signal, () => shared.lookupCaa(name, options), caaTimedOut),
        options.signal,
        caaTimedOut,
      );
    },
    describe: () => shared.describe(),
    peek: (name) => shared.peek?.(name),
    peekCaa: (name) => shared.peekCaa?.(name),
  };
};
