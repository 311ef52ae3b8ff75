// Capped exponential back-off with jitter, for retrying forever (incident 002: one failed attempt at
// start must never be the last one). Jitter keeps several replicas, and the watches of one
// replica, from hammering a recovering API server in lockstep.

export type BackoffOptions = {
  /** First delay. 500 ms: a blip (API server restart, leader change) heals in about that time. */
  initialMs?: number;
  /** Ceiling. 30 s: a CRD installed later, or an API server back from an outage, is noticed within it. */
  maxMs?: number;
};

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 500, maxMs: 30_000 };

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.#maxMs = Math.max(options.maxMs ?? DEFAULT_BACKOFF.maxMs, this.#initialMs);
    this.#random = random;
  }

  /** The next delay: doubling up to the cap, then "equal jitter" (half fixed, half random). */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return ceiling / 2 + this.#random() * (ceiling / 2);
  }

  /** After a success the next failure starts small again. */
  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
