// Memory and sync time of the live cluster view at the scale: 100,000 solver HTTPRoutes,
// 50,000 Secrets, 2,000 Gateways (10 listeners each), served by a local fake list/watch API server
// (test/cluster/fake-api-server.ts) in a child process — loading 150,000 objects into a real etcd
// takes far longer than the measurement. Target: ≤ 150 MiB RSS and ≤ 10 s to ready.
//
// Each measurement runs in a fresh process (memory of earlier benchmarks must not count):
//   node bench/cluster-view.ts                      → both V8 settings, a markdown summary
//   node --expose-gc bench/cluster-view.ts --measure → one measurement as JSON (what the summary runs)
// Sizes via env: ROUTES, SECRETS, GATEWAYS, LISTENERS, NAMESPACES, PAGE_SIZE, SETTLE_SECONDS.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLiveView } from '../src/cluster/live/live-view.ts';

const MIB = 1024 * 1024;
const mib = (bytes: number): number => Number((bytes / MIB).toFixed(1));
const SELF = fileURLToPath(import.meta.url);

type Measurement = {
  objects: Record<string, number>;
  cached: Record<string, number | undefined>;
  syncSeconds: number;
  cacheHeapMiB: number | null;
  rssMiB: { emptyProcess: number; peakDuringSync: number; afterSync: number; settled: number; settleSeconds: number };
  heapTotalMiB: number;
  listOneNamespaceMs: number;
  node: string;
};

const startServer = async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./cluster-view-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return { child, ...(JSON.parse(String(first.value)) as { kubeconfig: string; objects: Record<string, number> }) };
};

/** One measurement in this process (run with --expose-gc for the heap figure). */
const measure = async (): Promise<Measurement> => {
  const server = await startServer();
  const quiet = () => undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const empty = process.memoryUsage();
  const view = createLiveView({
    kubeconfig: server.kubeconfig,
    staleAfterSeconds: 60,
    logger: { info: quiet, warn: quiet, error: quiet },
    pageSize: process.env.PAGE_SIZE ? Number(process.env.PAGE_SIZE) : undefined,
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = performance.now();
  await view.start();
  while (!view.status().ready) await new Promise((resolve) => setTimeout(resolve, 10));
  const syncSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const afterSync = process.memoryUsage();
  peak = Math.max(peak, afterSync.rss);
  gc?.();
  const afterGc = process.memoryUsage();
  const listStarted = performance.now();
  view.list('solver-httproutes', { namespace: 'team-7' });
  const listOneNamespaceMs = performance.now() - listStarted;
  // V8 hands memory back when the process goes idle; this is the steady state.
  const settleSeconds = Number(process.env.SETTLE_SECONDS ?? 10);
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const settled = process.memoryUsage();
  const counted = Object.fromEntries(view.resourceStats().map((stat) => [stat.resource, stat.objects]));
  await view.stop();
  server.child.kill('SIGTERM');
  return {
    objects: server.objects,
    cached: { 'solver-httproutes': counted['solver-httproutes'], secrets: counted.secrets, gateways: counted.gateways },
    syncSeconds: Number(syncSeconds.toFixed(2)),
    cacheHeapMiB: gc ? mib(afterGc.heapUsed - empty.heapUsed) : null,
    rssMiB: { emptyProcess: mib(empty.rss), peakDuringSync: mib(peak), afterSync: mib(afterSync.rss), settled: mib(settled.rss), settleSeconds },
    heapTotalMiB: mib(afterGc.heapTotal),
    listOneNamespaceMs: Number(listOneNamespaceMs.toFixed(2)),
    node: process.version,
  };
};

const measureInChild = async (v8Flags: string[]): Promise<Measurement> => {
  const child = spawn(process.execPath, ['--expose-gc', ...v8Flags, SELF, '--measure'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
  if (code !== 0) throw new Error(`cluster-view measurement failed (exit ${code})`);
  return JSON.parse(output) as Measurement;
};

const row = (label: string, m: Measurement): string =>
  `| ${label} | ${m.syncSeconds} s | ${m.rssMiB.peakDuringSync} | ${m.rssMiB.settled} | ${m.rssMiB.emptyProcess} | ${m.cacheHeapMiB ?? '?'} |`;

/** For bench/run.ts: both V8 settings, each in a fresh process, as a markdown table. */
export const runClusterViewBench = async (): Promise<string> => {
  const plain = await measureInChild([]);
  const small = await measureInChild(['--max-semi-space-size=4']);
  const verdict = (m: Measurement) => (m.rssMiB.peakDuringSync <= 150 && m.syncSeconds <= 10 ? 'within' : 'over');
  return [
    `${plain.objects.routes} solver HTTPRoutes, ${plain.objects.secrets} Secrets, ${plain.objects.gateways} Gateways (${plain.objects.listeners} listeners) in ${plain.objects.namespaces} namespaces; fake API server in a child process; Node ${plain.node}.`,
    '',
    '| V8 flags | ready after | peak RSS MiB | RSS after idle MiB | empty-process RSS MiB | cache heap MiB |',
    '|---|---|---|---|---|---|',
    row('(default)', plain),
    row('--max-semi-space-size=4', small),
    '',
    `Target ≤ 150 MiB peak RSS and ≤ 10 s: ${verdict(plain)} with the defaults, ${verdict(small)} with --max-semi-space-size=4.`,
  ].join('\n');
};

if (process.argv.includes('--measure')) process.stdout.write(`${JSON.stringify(await measure())}\n`);
else if (import.meta.main) process.stdout.write(`${await runClusterViewBench()}\n`);
