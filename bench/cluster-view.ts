// Memory and sync time of the live cluster view at the issue's scale: 100,000 solver HTTPRoutes,
// 50,000 Secrets, 2,000 Gateways (10 listeners each), 10,000 Certificates (issue 12), served by a local fake list/watch API server
// (test/cluster/fake-api-server.ts) in a child process — loading 150,000 objects into a real etcd
// takes far longer than the measurement. Target (issue 6): ≤ 150 MiB RSS and ≤ 10 s to ready.
//
// The target is measured on the real thing: `certguard serve` (bin/certguard.js, every module the
// pod loads) as a child process, peak RSS as the kernel counts it (VmHWM in /proc/<pid>/status,
// Linux), ready when its own /readyz says 200, then one /metrics scrape and one admission review
// of a solver HTTPRoute (the solver cap counting 100,000 routes) — memory they take counts too.
// A second kind of measurement runs the view alone in this process, for the cache's heap size.
//
//   node bench/cluster-view.ts                       → every row below, each in fresh processes
//   node bench/cluster-view.ts --serve warm|off '<NODE_OPTIONS>' → one serve measurement as JSON
//   node --expose-gc bench/cluster-view.ts --measure → one view-only measurement as JSON
//   node bench/cluster-view.ts audit                 → `serve` and `serve --audit` (one audit), same cluster
//   node bench/cluster-view.ts --serve warm '<NODE_OPTIONS>' --audit → one serve --audit measurement as JSON
// Sizes via env: ROUTES, SECRETS, GATEWAYS, LISTENERS, CERTIFICATES, NAMESPACES, PAGE_SIZE, SETTLE_SECONDS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { imageSettings } from './image-settings.ts';

const MIB = 1024 * 1024;
const mib = (bytes: number): number => Number((bytes / MIB).toFixed(1));
const SELF = fileURLToPath(import.meta.url);
const CERTGUARD = fileURLToPath(new URL('../bin/certguard.js', import.meta.url));
const settleSeconds = (): number => Number(process.env.SETTLE_SECONDS ?? 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Objects = { routes: number; secrets: number; gateways: number; listeners: number; certificates: number; namespaces: number };

const startApiServer = async () => {
  // Not the measured process's NODE_OPTIONS: its heap limit is for certguard, not for 150,000 full objects.
  const { NODE_OPTIONS: _measured, ...env } = process.env;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./cluster-view-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return { child, ...(JSON.parse(String(first.value)) as { kubeconfig: string; objects: Objects }) };
};

// --- certguard serve, the whole process -----------------------------------------------------

type ServeMeasurement = {
  objects: Objects;
  /** NODE_OPTIONS of the serve process (the image sets the same). */
  nodeOptions: string;
  /** The image's settings besides NODE_OPTIONS: its V8 flag on the command line and glibc's allocator variables. */
  image: boolean;
  compileCache: 'warm' | 'off';
  /** From spawning the process to /readyz answering 200. */
  readySeconds: number;
  /** VmHWM once ready. */
  peakAtReadyMiB: number;
  /** VmHWM after a /metrics scrape, an admission review and the idle period. */
  peakMiB: number;
  settledMiB: number;
  settleSeconds: number;
  solverRoutesGauge: number | undefined;
  review: string;
  node: string;
  /** With --audit: the first audit, which starts once the view is ready and this replica holds the Lease. */
  audit?: AuditMeasurement;
};

type AuditMeasurement = {
  /** Set when serve died before the audit finished (out of heap at the image's limit): how, when, V8's last GC lines. */
  died?: { exit: string; afterReadySeconds: number; peakBeforeMiB: number; lastGc: string[] };
  /** certguard_audit_duration_seconds after the first audit. */
  durationSeconds: number;
  /** From /readyz answering 200 to the metric appearing. */
  doneAfterReadySeconds: number;
  /** The "audit done" log line: findings, failed, reports. */
  log: { findings?: number; failed?: number; reports?: string };
  /** VmHWM right after the audit: sync + audit. */
  peakAfterAuditMiB: number;
  rssAfterAuditMiB: number;
};

/** Peak (VmHWM) and current (VmRSS) resident set of a process, from the kernel. */
const residentOf = (pid: number): { peak: number; current: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kib('VmHWM'), current: kib('VmRSS') };
};

const httpGet = async (url: string): Promise<{ status: number; text: string }> => {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
};

/** One AdmissionReview to the webhook: a new solver HTTPRoute in a namespace already at its cap. */
const reviewSolverRoute = (port: number, ca: string): Promise<string> => {
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'bench-1',
      kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
      resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
      namespace: 'team-7',
      operation: 'CREATE',
      object: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {
          generateName: 'cm-acme-http-solver-',
          namespace: 'team-7',
          labels: { 'acme.cert-manager.io/http01-solver': 'true' },
          ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'bench-challenge', uid: 'u', controller: true }],
        },
      },
    },
  });
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path: '/validate', method: 'POST', ca, servername: 'localhost', headers: { 'Content-Type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const answer = (JSON.parse(text) as { response?: { allowed?: boolean; status?: { message?: string } } }).response;
          resolve(answer?.allowed ? 'allowed' : `denied: ${answer?.status?.message ?? '?'}`);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
};

type LogEntry = { msg?: string; admission?: number; metrics?: number; findings?: number; failed?: number; reports?: string };

/** The ports serve listens on, from its log; `seen` collects the log lines a caller waits for. */
const listeningPorts = (child: ChildProcess, seen: LogEntry[] = []): Promise<{ admission: number; metrics: number }> =>
  new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      // V8's own lines (SERVE_NODE_FLAGS=--trace-gc) are passed on, not parsed.
      if (!line.startsWith('{')) return void process.stderr.write(`${line}\n`);
      const entry = JSON.parse(line) as LogEntry;
      if (entry.msg === 'certguard listening' && entry.admission && entry.metrics) resolve({ admission: entry.admission, metrics: entry.metrics });
      if (entry.msg === 'audit done' || entry.msg === 'audit failed') seen.push(entry);
    });
    child.once('exit', (code) => reject(new Error(`certguard serve exited (${code}) before listening`)));
  });

/** `certguard serve` against the fake API server, with NODE_OPTIONS and the compile cache as the image sets them. */
const AUDIT_TIMEOUT_MS = 15 * 60_000;

/** Waits for the first audit (its "audit done" log line: the duration gauge reads 0 before it) and reads the peak RSS right after. */
const awaitAudit = async (child: ChildProcess, metricsPort: number, readyAt: number, log: LogEntry[], stderr: string[]): Promise<AuditMeasurement> => {
  const pid = child.pid!;
  let peakBefore = 0;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return {
        died: {
          exit: String(child.exitCode ?? child.signalCode),
          afterReadySeconds: Number(((performance.now() - readyAt) / 1000).toFixed(1)),
          peakBeforeMiB: mib(peakBefore),
          lastGc: stderr
            .filter((line) => /Mark-Compact|Scavenge|FATAL/.test(line))
            .slice(-3)
            .map((line) => line.trim()),
        },
        durationSeconds: NaN,
        doneAfterReadySeconds: NaN,
        log: {},
        peakAfterAuditMiB: NaN,
        rssAfterAuditMiB: NaN,
      };
    }
    try {
      peakBefore = residentOf(pid).peak;
    } catch {
      // The process is exiting: the next round sees its exit.
    }
    const failed = log.find((entry) => entry.msg === 'audit failed');
    if (failed) throw new Error(`the audit failed: ${JSON.stringify(failed)}`);
    const done = log.find((entry) => entry.msg === 'audit done');
    if (done) {
      const doneAfterReadySeconds = (performance.now() - readyAt) / 1000;
      const after = residentOf(pid);
      const scrape = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      const duration = Number(/^certguard_audit_duration_seconds (\S+)$/m.exec(scrape.text)?.[1]);
      return {
        durationSeconds: Number(duration.toFixed(2)),
        doneAfterReadySeconds: Number(doneAfterReadySeconds.toFixed(2)),
        log: { findings: done.findings, failed: done.failed, reports: done.reports },
        peakAfterAuditMiB: mib(after.peak),
        rssAfterAuditMiB: mib(after.current),
      };
    }
    if (performance.now() - readyAt > AUDIT_TIMEOUT_MS) throw new Error('no audit within 15 minutes of ready');
    await sleep(200);
  }
};

// BENCH_MEMORY_TRACE=<file>: serve's memory by kind once a second (smaps; with BENCH_MEMORY_SCRAPE=1
// also V8's heap spaces from /metrics, which itself allocates), one JSON line each, for finding
// what a peak is made of. Off by default: the measured runs read only VmHWM.
type MemorySample = { t: number; phase: string; hwm: number; rss: number; kinds: Record<string, number>; spaces?: Record<string, [number, number]> };

const smapsKinds = (pid: number): Record<string, number> => {
  const kinds: Record<string, number> = {};
  let kind = 'other';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const size = parseInt(header[2]!, 16) - parseInt(header[1]!, 16);
      const [perms, path] = [header[3]!, header[4]!];
      kind = path.startsWith('/')
        ? path.endsWith('/node')
          ? 'node binary'
          : 'other files'
        : path === '[heap]'
          ? 'glibc heap'
          : path
            ? path
            : perms.includes('x')
              ? 'anon exec'
              : size === 256 * 1024
                ? 'anon 256K (V8 pages)'
                : 'anon other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(kinds).map(([key, value]) => [key, Number(value.toFixed(1))]));
};

const heapSpaces = async (port: number): Promise<Record<string, [number, number]>> => {
  const text = (await httpGet(`http://127.0.0.1:${port}/metrics`)).text;
  const spaces: Record<string, [number, number]> = {};
  for (const match of text.matchAll(/^nodejs_heap_space_size_(used|total)_bytes\{space="(\w+)"\} (\S+)$/gm)) {
    const entry = (spaces[match[2]!] ??= [0, 0]);
    entry[match[1] === 'used' ? 0 : 1] = mib(Number(match[3]));
  }
  const external = /^nodejs_external_memory_bytes (\S+)$/m.exec(text)?.[1];
  if (external) spaces.external = [mib(Number(external)), 0];
  return spaces;
};

const traceMemory = (pid: number, metricsPort: number, phase: () => string): (() => void) => {
  const file = process.env.BENCH_MEMORY_TRACE;
  if (!file) return () => undefined;
  const started = performance.now();
  let stopped = false;
  const tick = async () => {
    while (!stopped) {
      try {
        const { peak, current } = residentOf(pid);
        const sample: MemorySample = {
          t: Number(((performance.now() - started) / 1000).toFixed(1)),
          phase: phase(),
          hwm: mib(peak),
          rss: mib(current),
          kinds: smapsKinds(pid),
        };
        if (process.env.BENCH_MEMORY_SCRAPE) sample.spaces = await heapSpaces(metricsPort);
        appendFileSync(file, `${JSON.stringify(sample)}\n`);
      } catch {
        // serve is exiting
      }
      await sleep(Number(process.env.BENCH_MEMORY_TRACE_MS ?? 1000));
    }
  };
  void tick();
  return () => void (stopped = true);
};

const serveNodeFlags = (): string[] => (process.env.SERVE_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const measureServe = async (settings: string, compileCache: 'warm' | 'off', audit = false): Promise<ServeMeasurement> => {
  const image = settings === 'image';
  const nodeOptions = image ? IMAGE_NODE_OPTIONS : settings;
  const nodeFlags = [...(image ? IMAGE_NODE_FLAGS : []), ...serveNodeFlags()];
  const work = mkdtempSync(join(tmpdir(), 'certguard-bench-'));
  const api = await startApiServer();
  try {
    const [{ writeCertificates }, { localhostCertificates }] = await Promise.all([import('../src/cli/certs.ts'), import('../test/helpers/certs.ts')]);
    const pair = await localhostCertificates();
    await writeCertificates(work, pair);
    const env: NodeJS.ProcessEnv = { ...process.env, ...(image ? IMAGE_ENV : {}), NODE_OPTIONS: nodeOptions };
    delete env.NODE_COMPILE_CACHE;
    // bin/certguard.js turns on a per-user cache unless told not to.
    if (compileCache === 'off') env.NODE_DISABLE_COMPILE_CACHE = '1';
    if (compileCache === 'warm') {
      // What the image build does once, as the user that runs serve (Node keeps a cache per uid):
      // load every module the commands load, so the cache holds them.
      env.NODE_COMPILE_CACHE = join(work, 'compile-cache');
      // With the same V8 flags as serve: V8 rejects a code cache made under other flags.
      for (const command of IMAGE_WARM_UP) execFileSync(process.execPath, [...nodeFlags, CERTGUARD, command, '--help'], { env, stdio: 'ignore' });
    }
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        // V8 flags Node refuses in NODE_OPTIONS go on the command line, as the image's ENTRYPOINT would give them.
        ...nodeFlags,
        CERTGUARD,
        'serve',
        '--kubeconfig',
        api.kubeconfig,
        '--tls-cert',
        join(work, 'tls.crt'),
        '--tls-key',
        join(work, 'tls.key'),
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--bind-address',
        '127.0.0.1',
        '--log-level',
        'info',
        // The first audit runs as soon as the view is ready and the Lease is held: no interval to wait.
        ...(audit ? ['--audit', '--audit-namespace', 'certguard', '--audit-identity', 'bench'] : []),
      ],
      { env, stdio: ['ignore', 'pipe', audit ? 'pipe' : 'inherit'] },
    );
    // With --audit, serve's stderr is kept (and passed on): V8's last GC lines if it runs out of heap.
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr.push(...chunk.toString().split('\n'));
    });
    let stopTrace = (): void => undefined;
    try {
      const log: LogEntry[] = [];
      const ports = await listeningPorts(child, log);
      let phase = 'sync';
      stopTrace = traceMemory(child.pid!, ports.metrics, () => phase);
      while ((await httpGet(`http://127.0.0.1:${ports.metrics}/readyz`)).status !== 200) await sleep(100);
      const readyAt = performance.now();
      const readySeconds = (readyAt - started) / 1000;
      const atReady = residentOf(child.pid!);
      phase = 'audit';
      const audited = audit ? await awaitAudit(child, ports.metrics, readyAt, log, stderr) : undefined;
      if (audited?.died)
        return {
          objects: api.objects,
          nodeOptions,
          image,
          compileCache,
          readySeconds: Number(readySeconds.toFixed(2)),
          peakAtReadyMiB: mib(atReady.peak),
          peakMiB: NaN,
          settledMiB: NaN,
          settleSeconds: 0,
          solverRoutesGauge: undefined,
          review: 'not sent: serve died',
          node: process.version,
          audit: audited,
        };
      phase = 'scrape, review, idle';
      const scrape = await httpGet(`http://127.0.0.1:${ports.metrics}/metrics`);
      const gauge = /^certguard_acme_solver_objects_cluster\{kind="HTTPRoute"\} (\d+)$/m.exec(scrape.text)?.[1];
      const review = await reviewSolverRoute(ports.admission, pair.ca.certificatePem);
      await sleep(settleSeconds() * 1000);
      const settled = residentOf(child.pid!);
      return {
        objects: api.objects,
        nodeOptions,
        image,
        compileCache,
        readySeconds: Number(readySeconds.toFixed(2)),
        peakAtReadyMiB: mib(atReady.peak),
        peakMiB: mib(settled.peak),
        settledMiB: mib(settled.current),
        settleSeconds: settleSeconds(),
        solverRoutesGauge: gauge === undefined ? undefined : Number(gauge),
        review: review.length > 160 ? `${review.slice(0, 157)}...` : review,
        node: process.version,
        ...(audited ? { audit: audited } : {}),
      };
    } finally {
      stopTrace();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  } finally {
    api.child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
};

// --- the view alone, in this process ---------------------------------------------------------

type ViewMeasurement = {
  objects: Objects;
  cached: Record<string, number | undefined>;
  syncSeconds: number;
  cacheHeapMiB: number | null;
  rssMiB: { emptyProcess: number; peakDuringSync: number; afterSync: number; settled: number; settleSeconds: number };
  heapTotalMiB: number;
  countClusterWideMs: number;
  node: string;
};

/** One measurement in this process (run with --expose-gc for the heap figure). */
const measureView = async (): Promise<ViewMeasurement> => {
  const server = await startApiServer();
  const { createLiveView } = await import('../src/cluster/live/live-view.ts');
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
  while (!view.status().ready) await sleep(10);
  const syncSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const afterSync = process.memoryUsage();
  peak = Math.max(peak, afterSync.rss);
  gc?.();
  const afterGc = process.memoryUsage();
  const countStarted = performance.now();
  view.count('solver-httproutes', { ownedBy: { group: 'acme.cert-manager.io', kind: 'Challenge' } });
  const countClusterWideMs = performance.now() - countStarted;
  // V8 hands memory back when the process goes idle; this is the steady state.
  await sleep(settleSeconds() * 1000);
  const settled = process.memoryUsage();
  const counted = Object.fromEntries(view.resourceStats().map((stat) => [stat.resource, stat.objects]));
  await view.stop();
  server.child.kill('SIGTERM');
  return {
    objects: server.objects,
    cached: { 'solver-httproutes': counted['solver-httproutes'], secrets: counted.secrets, gateways: counted.gateways, certificates: counted.certificates },
    syncSeconds: Number(syncSeconds.toFixed(2)),
    cacheHeapMiB: gc ? mib(afterGc.heapUsed - empty.heapUsed) : null,
    rssMiB: {
      emptyProcess: mib(empty.rss),
      peakDuringSync: mib(peak),
      afterSync: mib(afterSync.rss),
      settled: mib(settled.rss),
      settleSeconds: settleSeconds(),
    },
    heapTotalMiB: mib(afterGc.heapTotal),
    countClusterWideMs: Number(countClusterWideMs.toFixed(2)),
    node: process.version,
  };
};

// --- the summary ----------------------------------------------------------------------------

const runChild = async <T>(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> => {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
  if (code !== 0) throw new Error(`cluster-view measurement ${args.join(' ')} failed (exit ${code})`);
  return JSON.parse(output) as T;
};

/** The image's settings, read from the Dockerfile: what the target is judged on. `--serve warm image` runs with all of them. */
const IMAGE = imageSettings();
export const IMAGE_NODE_OPTIONS = IMAGE.env.NODE_OPTIONS ?? '';
/** On the image's ENTRYPOINT (Node refuses some V8 flags in NODE_OPTIONS). */
const IMAGE_NODE_FLAGS = IMAGE.nodeFlags;
const IMAGE_ENV = Object.fromEntries(Object.entries(IMAGE.env).filter(([key]) => key !== 'NODE_OPTIONS'));
/** The Dockerfile's compile-cache warm-up: `certguard <command> --help` for each. */
const IMAGE_WARM_UP = ['serve', 'bootstrap', 'certs'];

const SERVE_ROWS: Array<{ settings: string; compileCache: 'warm' | 'off' }> = [
  { settings: 'image', compileCache: 'warm' },
  { settings: 'image', compileCache: 'off' },
  { settings: '', compileCache: 'warm' },
];

const settingsOf = (m: ServeMeasurement): string =>
  m.image
    ? `the image's: \`NODE_OPTIONS=${m.nodeOptions}\`, \`${IMAGE_NODE_FLAGS.join(' ')}\`, ${Object.entries(IMAGE_ENV)
        .map(([key, value]) => `\`${key}=${value}\``)
        .join(' ')}`
    : m.nodeOptions
      ? `\`NODE_OPTIONS=${m.nodeOptions}\``
      : "Node's defaults";

const verdict = (m: ServeMeasurement): string => (m.peakMiB <= 150 && m.readySeconds <= 10 ? 'met' : 'NOT met');

const serveRow = (m: ServeMeasurement): string =>
  `| \`certguard serve\` | ${settingsOf(m)}, compile cache ${m.compileCache} | ${m.readySeconds} s | ${m.peakAtReadyMiB} | ${m.peakMiB} | ${m.settledMiB} | ${verdict(m)} |`;

/** For bench/run.ts: every row, each in fresh processes, as a markdown table. */
export const runClusterViewBench = async (): Promise<string> => {
  const serve: ServeMeasurement[] = [];
  for (const row of SERVE_ROWS) serve.push(await runChild<ServeMeasurement>([SELF, '--serve', row.compileCache, row.settings]));
  const view = await runChild<ViewMeasurement>(['--expose-gc', SELF, '--measure'], { ...process.env, NODE_OPTIONS: IMAGE_NODE_OPTIONS });
  const [first] = serve;
  const o = view.objects;
  return [
    `${o.routes} solver HTTPRoutes, ${o.secrets} Secrets, ${o.gateways} Gateways (${o.listeners} listeners), ${o.certificates} Certificates in ${o.namespaces} namespaces; fake API server in a child process; Node ${view.node}.`,
    '',
    '| process | settings | ready after | peak RSS at ready MiB | peak RSS after scrape + review MiB | RSS after idle MiB | ≤ 150 MiB, ≤ 10 s |',
    '|---|---|---|---|---|---|---|',
    ...serve.map(serveRow),
    `| view only (in-process) | \`NODE_OPTIONS=${IMAGE_NODE_OPTIONS}\`, compile cache off | ${view.syncSeconds} s | ${view.rssMiB.peakDuringSync} | — | ${view.rssMiB.settled} | cache heap ${view.cacheHeapMiB ?? '?'} MiB, empty process ${view.rssMiB.emptyProcess} MiB |`,
    '',
    `Admission review of a new solver HTTPRoute in team-7: ${first?.review}. certguard_acme_solver_objects_cluster{kind="HTTPRoute"} = ${first?.solverRoutesGauge}. Cluster-wide count of Challenge-owned routes (view only): ${view.countClusterWideMs} ms.`,
  ].join('\n');
};

/** `serve` and `serve --audit` on the same cluster, image settings, fresh processes each: the audit's cost over the baseline. */
export const runServeAuditBench = async (): Promise<string> => {
  const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  const baseline = await runChild<ServeMeasurement>([SELF, '--serve', 'warm', 'image']);
  const audited = await runChild<ServeMeasurement>([SELF, '--serve', 'warm', 'image', '--audit']);
  const a = audited.audit!;
  const o = audited.objects;
  const within = (peak: number) => (peak <= 150 ? 'yes' : `NO, ${(peak - 150).toFixed(1)} MiB over`);
  return [
    `${o.routes} solver HTTPRoutes, ${o.secrets} Secrets, ${o.gateways} Gateways (${o.listeners} listeners, each a Secret of the same namespace), ${o.certificates} Certificates in ${o.namespaces} namespaces; fake API server (Leases, Events, no PolicyReport CRD) in a child process; ${settingsOf(audited)}, compile cache warm; Node ${audited.node}; load average ${loadBefore} before, ${load()} after.`,
    '',
    '| process | ready after | peak RSS at ready MiB | audit duration (metric) | audit done after ready | peak RSS after audit MiB | peak RSS after scrape + review + idle MiB | RSS after idle MiB | ≤ 150 MiB |',
    '|---|---|---|---|---|---|---|---|---|',
    `| \`certguard serve\` (baseline) | ${baseline.readySeconds} s | ${baseline.peakAtReadyMiB} | — | — | — | ${baseline.peakMiB} | ${baseline.settledMiB} | ${within(baseline.peakMiB)} |`,
    `| \`certguard serve --audit\` | ${audited.readySeconds} s | ${audited.peakAtReadyMiB} | ${a.durationSeconds} s | ${a.doneAfterReadySeconds} s | ${a.peakAfterAuditMiB} | ${audited.peakMiB} | ${audited.settledMiB} | ${a.died ? `NO: out of heap, peak ${a.died.peakBeforeMiB} MiB` : within(audited.peakMiB)} |`,
    '',
    a.died
      ? `**serve --audit died** (exit ${a.died.exit}) ${a.died.afterReadySeconds} s after ready, before the first audit finished; peak RSS ${a.died.peakBeforeMiB} MiB just before. V8's last lines: ${a.died.lastGc.map((line) => `\`${line}\``).join(' ')}`
      : `Audit: ${a.log.findings} findings (${a.log.failed} fail), PolicyReports ${a.log.reports}. Review: ${audited.review}.`,
  ].join('\n');
};

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0)
  process.stdout.write(
    `${JSON.stringify(await measureServe(process.argv[serveAt + 2] ?? '', process.argv[serveAt + 1] === 'warm' ? 'warm' : 'off', process.argv.includes('--audit')))}\n`,
  );
else if (process.argv[2] === 'audit') process.stdout.write(`${await runServeAuditBench()}\n`);
else if (process.argv.includes('--measure')) process.stdout.write(`${JSON.stringify(await measureView())}\n`);
else if (import.meta.main) process.stdout.write(`${await runClusterViewBench()}\n`);
