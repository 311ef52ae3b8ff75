// Waiting on shared work no longer than the caller's deadline: the work runs on for whoever else
// awaits it (a shared DNS lookup, a shared GET); only this caller stops waiting.

/**
 * Settles as `pending` does, or as soon as `signal` aborts with what `onAbort` returns (or throws).
 * Without a signal, `pending` itself.
 */
export const untilAborted = <T>(pending: Promise<T>, signal: AbortSignal | undefined, onAbort: () => T): Promise<T> => {
  if (!signal) return pending;
  // Once every caller has stopped waiting, a failure of the shared work must not go unhandled
  // (Node ends the process on an unhandled rejection); callers still waiting get it below.
  pending.catch(() => undefined);
  if (signal.aborted) return new Promise<T>((resolve) => resolve(onAbort()));
  return new Promise<T>((resolve, reject) => {
    const aborted = () => {
      try {
        resolve(onAbort());
      } catch (error) {
        reject(error as Error);
      }
    };
    signal.addEventListener('abort', aborted, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', aborted));
  });
};
