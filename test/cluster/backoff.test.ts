import t from 'tap';
import { Backoff, sleep } from '../../src/cluster/live/backoff.ts';

t.test('doubles from the initial delay up to the cap', async (t) => {
  const highest = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
  t.strictSame(
    Array.from({ length: 7 }, () => highest.next()),
    [100, 200, 400, 800, 1000, 1000, 1000],
  );
});

t.test('keeps at least half of each delay (equal jitter)', async (t) => {
  const lowest = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
  t.strictSame(
    Array.from({ length: 5 }, () => lowest.next()),
    [50, 100, 200, 400, 500],
  );
});

t.test('starts small again after reset', async (t) => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
  backoff.next();
  backoff.next();
  backoff.reset();
  t.equal(backoff.next(), 100);
});

t.test('sleep ends early when aborted', async (t) => {
  const abort = new AbortController();
  const slept = sleep(60_000, abort.signal);
  abort.abort();
  await slept;
  t.pass('resolved without waiting a minute');
});
