// Two trees' review() in one process, alternately: each tree's sources build their own fixture
// (review-fixture.ts), then batches of each review run in turn and each batch's main-thread CPU
// per review is recorded. Load on the machine then slows both trees alike, which separate
// processes run minutes apart do not. Prints the median and the spread of each tree per review;
// `denied` pays its 4 GETs to the in-process fake API server (its CPU on the same thread);
// `handler` is the clean review through serve's app in process (review-fixture.ts).
//
//   git worktree add /tmp/wt-base <commit> && ln -s "$PWD/node_modules" /tmp/wt-base/node_modules
//   node bench/review-ab.ts /tmp/wt-base .          # BATCHES=30 BATCH=1000 by default
import { loadavg } from 'node:os';
import { reviewFixture } from './review-fixture.ts';

const [rootA, rootB] = process.argv.slice(2);
if (!rootA || !rootB) throw new Error('usage: node bench/review-ab.ts <tree A> <tree B>');
const BATCHES = Number(process.env.BATCHES ?? 30);
const BATCH = Number(process.env.BATCH ?? 1_000);

const threadCpuMicros = (): number => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};

/** Main-thread CPU µs per call over one batch. */
const batch = async (step: () => Promise<unknown>): Promise<number> => {
  const started = threadCpuMicros();
  for (let round = 0; round < BATCH; round += 1) await step();
  return (threadCpuMicros() - started) / BATCH;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const trees = [
  { root: rootA, fixture: await reviewFixture(rootA) },
  { root: rootB, fixture: await reviewFixture(rootB) },
];
process.stdout.write(`load average ${load()}, Node ${process.version}, ${BATCHES} batches of ${BATCH} per tree and review, main-thread CPU µs per review\n`);
for (const review of ['clean', 'uncovered', 'denied', 'solver', 'handler'] as const) {
  const samples = trees.map(() => [] as number[]);
  for (const tree of trees) await batch(tree.fixture[review]);
  for (let round = 0; round < BATCHES; round += 1) {
    for (const [index, tree] of trees.entries()) samples[index]?.push(await batch(tree.fixture[review]));
  }
  const [a, b] = samples.map((values) => ({ median: median(values), low: Math.min(...values), high: Math.max(...values) }));
  if (!a || !b) continue;
  const row = (tree: string, stats: typeof a) => `${tree} ${stats.median.toFixed(1)} (${stats.low.toFixed(1)}–${stats.high.toFixed(1)})`;
  process.stdout.write(`${review}: ${row(rootA, a)} | ${row(rootB, b)} | ${(b.median / a.median).toFixed(2)}×\n`);
}
process.stdout.write(`load average at the end ${load()}\n`);
for (const tree of trees) await tree.fixture.stop();
