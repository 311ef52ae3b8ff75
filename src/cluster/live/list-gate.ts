// Lets one list run at a time across all resources. A list is the memory-hungry step (pages of
// JSON parsed while the new cache fills beside the old one); the watches are cheap. Listing
// 100,000 routes and 50,000 Secrets one after the other instead of together lowers peak RSS
// (bench/README.md) and costs little time: parsing is CPU-bound on one thread either way.
export type ListGate = { acquire(): Promise<() => void> };

export const createListGate = (): ListGate => {
  let tail: Promise<void> = Promise.resolve();
  return {
    async acquire() {
      const previous = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => (release = resolve));
      await previous;
      return release;
    },
  };
};
