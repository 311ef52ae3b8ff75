// Memory and sync time of the live cluster view at the scale: 100,000 solver HTTPRoutes,
// 50,000 Secrets, 2,000 Gateways, served by a local fake list/watch API server in a child process
// (loading 150,000 objects into a real etcd takes longer than the measurement). Target: ≤ 150 MiB
// RSS and ≤ 10 s to ready. Run: node --expose-gc bench/cluster-view.ts  (sizes via env: ROUTES,
// SECRETS, GATEWAYS, LISTENERS, NAMESPACES, PAGE_SIZE).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLiveView } from '../src/cluster/live/live-view.ts';

const MIB = 1024 * 1024;
const mib = (bytes: number): string => (bytes / MIB).toFixed(1);

const startServer = async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./cluster-view-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((result) => [result.value as string]);
  return { child, ...(JSON.parse(line ?? '{}') as { kubeconfig: string; objects: Record<string, number> }) };
};

const server = await startServer();
const quiet = () => undefined;
const baseline = process.memoryUsage().rss;
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

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const afterGc = process.memoryUsage();

const counted = Object.fromEntries(view.resourceStats().map((stat) => [stat.resource, stat.objects]));
const countStarted = performance.now();
const perNamespace = view.list('solver-httproutes', { namespace: 'team-7' }).length;
const countMs = performance.now() - countStarted;

// V8 returns memory when the process goes idle (its memory reducer); this is the steady state.
const settleSeconds = Number(process.env.SETTLE_SECONDS ?? 20);
await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
const settled = process.memoryUsage();

await view.stop();
server.child.kill('SIGTERM');

const report = {
  objects: server.objects,
  cached: { 'solver-httproutes': counted['solver-httproutes'], secrets: counted.secrets, gateways: counted.gateways },
  syncSeconds: Number(syncSeconds.toFixed(2)),
  rssMiB: { beforeStart: Number(mib(baseline)), peakDuringSync: Number(mib(peak)), afterSync: Number(mib(afterSync.rss)), afterGc: gc ? Number(mib(afterGc.rss)) : null, [`after${settleSeconds}sIdle`]: Number(mib(settled.rss)) },
  heapUsedMiB: { afterSync: Number(mib(afterSync.heapUsed)), afterGc: gc ? Number(mib(afterGc.heapUsed)) : null },
  heapTotalMiB: { afterSync: Number(mib(afterSync.heapTotal)), afterGc: Number(mib(afterGc.heapTotal)) },
  externalMiB: { afterSync: Number(mib(afterSync.external)), afterGc: Number(mib(afterGc.external)) },
  listOneNamespaceMs: Number(countMs.toFixed(2)),
  routesInThatNamespace: perNamespace,
  node: process.version,
};
console.log(JSON.stringify(report, null, 2));
const verdict = peak <= 150 * MIB && syncSeconds <= 10 ? 'within' : 'OVER';
console.log(`cluster view: ${verdict} target (peak RSS ${mib(peak)} MiB ≤ 150 MiB, ready in ${syncSeconds.toFixed(2)} s ≤ 10 s)`);
