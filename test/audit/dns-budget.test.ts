// The audit's DNS budget: at most audit.dnsLookupsPerSecond lookups start in any one-second
// window, cached answers of the shared resolver are free, and the shared resolver itself (what
// admission asks) never waits on it. A fake clock: sleeping advances it, so nothing here waits.
import t from 'tap';
import { budgetedResolver, type BudgetClock } from '../../src/audit/dns-budget.ts';
import type { CaaResult, LookupResult, NameResolver } from '../../src/dns/resolver.ts';

const fakeClock = (): BudgetClock & { at: number } => {
  const clock = {
    at: 0,
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.at += ms;
    },
  };
  return clock;
};

/** A resolver that records when each query started (clock time) and answers 192.0.2.1. */
const recordingResolver = (clock: BudgetClock, cached: Record<string, LookupResult> = {}) => {
  const started: { name: string; at: number; kind: 'A' | 'CAA' }[] = [];
  const resolver: NameResolver = {
    lookup: async (name) => {
      started.push({ name, at: clock.now(), kind: 'A' });
      return { addresses: ['192.0.2.1'], cnames: [] };
    },
    lookupCaa: async (name): Promise<CaaResult> => {
      started.push({ name, at: clock.now(), kind: 'CAA' });
      return { records: [] };
    },
    describe: () => '192.0.2.53',
    peek: (name) => cached[name],
  };
  return { resolver, started };
};

const names = (count: number): string[] => Array.from({ length: count }, (_, index) => `app${index}.example.com`);

t.test('the audit DNS budget', async (t) => {
  await t.test('starts at most N lookups in any one-second window, in arrival order, A and CAA alike', async (t) => {
    const clock = fakeClock();
    const { resolver, started } = recordingResolver(clock);
    const budgeted = budgetedResolver(resolver, 5, clock);
    const answers = await Promise.all([...names(9).map((name) => budgeted.lookup(name)), ...names(3).map((name) => budgeted.lookupCaa(name))]);
    t.equal(answers.length, 12);
    t.same(
      started.map((start) => start.at),
      [0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000],
    );
    t.same(
      started.map((start) => start.kind),
      ['A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'CAA', 'CAA', 'CAA'],
    );
    for (const start of started) {
      const inWindow = started.filter((other) => other.at > start.at - 1000 && other.at <= start.at).length;
      t.ok(inWindow <= 5, `${inWindow} lookups in the second up to ${start.at} ms`);
    }
  });

  await t.test('spaces a steady stream: the window slides, it does not reset on the second', async (t) => {
    const clock = fakeClock();
    const { resolver, started } = recordingResolver(clock);
    const budgeted = budgetedResolver(resolver, 2, clock);
    await budgeted.lookup('a.example.com');
    clock.at = 600;
    await Promise.all([budgeted.lookup('b.example.com'), budgeted.lookup('c.example.com'), budgeted.lookup('d.example.com')]);
    t.same(
      started.map((start) => [start.name, start.at]),
      [
        ['a.example.com', 0],
        ['b.example.com', 600],
        ['c.example.com', 1000],
        ['d.example.com', 1600],
      ],
    );
  });

  await t.test('answers a name the shared cache holds at once, without spending the budget', async (t) => {
    const clock = fakeClock();
    const cached: LookupResult = { addresses: ['203.0.113.10'], cnames: [] };
    const { resolver, started } = recordingResolver(clock, { 'app.example.com': cached });
    const budgeted = budgetedResolver(resolver, 1, clock);
    const answers = await Promise.all(Array.from({ length: 10 }, () => budgeted.lookup('app.example.com')));
    t.same(
      answers,
      Array.from({ length: 10 }, () => cached),
    );
    t.same(started, [], 'no query');
    t.equal(clock.at, 0, 'no wait');
    await budgeted.lookup('other.example.com');
    t.same(started, [{ name: 'other.example.com', at: 0, kind: 'A' }], 'the budget is still whole');
  });

  await t.test('does not slow the shared resolver: admission asks it directly while the audit waits', async (t) => {
    const clock = fakeClock();
    const { resolver, started } = recordingResolver(clock);
    const budgeted = budgetedResolver(resolver, 1, clock);
    await budgeted.lookup('audit-1.example.com');
    // The audit's budget is spent for this second; admission's lookups start now regardless.
    await Promise.all(names(5).map((name) => resolver.lookup(name)));
    t.same(
      started.map((start) => start.at),
      [0, 0, 0, 0, 0, 0],
    );
  });

  await t.test("gives up at the caller's deadline with the resolver's TIMEOUT answer, and spends no start for it", async (t) => {
    const clock = fakeClock();
    const { resolver, started } = recordingResolver(clock);
    const budgeted = budgetedResolver(resolver, 1, clock);
    await budgeted.lookup('first.example.com');
    const aborted = AbortSignal.abort();
    t.same(await budgeted.lookup('late.example.com', { signal: aborted }), { error: 'TIMEOUT', cnames: [], detail: 'deadline' });
    t.same(await budgeted.lookupCaa('late.example.com', { signal: aborted }), { error: 'TIMEOUT', detail: 'deadline' });
    await budgeted.lookup('next.example.com');
    t.same(
      started.map((start) => [start.name, start.at]),
      [
        ['first.example.com', 0],
        ['next.example.com', 1000],
      ],
    );
  });
});
