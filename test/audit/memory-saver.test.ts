// serve's audit runs in V8's memory-saving mode and gives it back after, however the audit ends.
import t from 'tap';
import { v8MemorySaver } from '../../src/audit/memory-saver.ts';

t.test('the mode is on while the audit runs and off after it', async (t) => {
  const set: string[] = [];
  const saver = v8MemorySaver((flags) => set.push(flags), []);
  const seen = await saver(async () => [...set]);
  t.same(seen, ['--optimize-for-size --no-turbofan']);
  t.same(set, ['--optimize-for-size --no-turbofan', '--no-optimize-for-size --turbofan']);
});

t.test('a failed audit still turns the mode off', async (t) => {
  const set: string[] = [];
  const saver = v8MemorySaver((flags) => set.push(flags), []);
  await t.rejects(
    saver(async () => Promise.reject(new Error('API server unreachable'))),
    { message: 'API server unreachable' },
  );
  t.same(set, ['--optimize-for-size --no-turbofan', '--no-optimize-for-size --turbofan']);
});

t.test("the mode given on node's command line is left as it is", async (t) => {
  for (const flag of ['--optimize-for-size', '--no-optimize-for-size', '--optimize_for_size', '--max-opt=2', '--no-turbofan']) {
    const set: string[] = [];
    t.equal(await v8MemorySaver((flags) => set.push(flags), ['--max-semi-space-size=2', flag])(async () => 'done'), 'done');
    t.same(set, [], flag);
  }
  const set: string[] = [];
  await v8MemorySaver((flags) => set.push(flags), ['--max-semi-space-size=2', '--turbofan-stats'])(async () => 'done');
  t.equal(set.length, 2, 'a flag that only begins like one of them is not one');
});

t.test("V8 takes the audit's tiers at run time and gives TurboFan back after", async (t) => {
  // What the saver relies on, checked on this Node: a hot function reaches TurboFan only outside an audit.
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { setFlagsFromString } = require('node:v8');
    const hot = () => { const f = (x) => { let s = 0; for (let i = 0; i < 50; i++) s += (x * i) % 7; return s; }; for (let i = 0; i < 2e6; i++) f(i); return (%GetOptimizationStatus(f) & 64) !== 0; };
    setFlagsFromString('--optimize-for-size --no-turbofan');
    const during = hot();
    setFlagsFromString('--no-optimize-for-size --turbofan');
    console.log(JSON.stringify({ during, after: hot() }));`;
  // Synchronous TurboFan compiles: on a busy machine a background compile may not land within the loop.
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '-e', script], { encoding: 'utf8' });
  t.same(JSON.parse(out), { during: false, after: true });
});

t.test('overlapping runs switch the mode on once and off once, when both are done', async (t) => {
  const set: string[] = [];
  const saver = v8MemorySaver((flags) => set.push(flags), []);
  let finishSync = (): void => undefined;
  const sync = saver(() => new Promise<void>((resolve) => (finishSync = resolve)));
  await saver(async () => t.same(set, ['--optimize-for-size --no-turbofan'], 'already on: not set again'));
  t.same(set, ['--optimize-for-size --no-turbofan'], 'still on while the sync runs');
  finishSync();
  await sync;
  t.same(set, ['--optimize-for-size --no-turbofan', '--no-optimize-for-size --turbofan']);
});
