// Where a server's CPU goes per review, from a CPU profile of bench/admission.ts's servers
// (BENCH_CPU_PROF=<dir> ROWS=allowed): each sample is charged to the first frame on its stack,
// from the leaf up, that names a part below; the rest is Fastify, Node's HTTP and streams. The
// sampled time is wall time: read it on a quiet machine, where a sample is CPU.
//
//   BENCH_CPU_PROF=/tmp/prof ROWS=allowed TARGET_NODE_FLAGS=image node bench/run.ts admission
//   node bench/profile-split.ts /tmp/prof/<profile> <reviews the server answered>
import { readFileSync } from 'node:fs';

type Frame = { functionName: string; url: string };
type Profile = { nodes: { id: number; callFrame: Frame; children?: number[] }[]; samples: number[]; timeDeltas: number[] };

const [path, reviewsText] = process.argv.slice(2);
if (!path || !reviewsText) throw new Error('usage: node bench/profile-split.ts <cpuprofile> <reviews>');
const reviews = Number(reviewsText);

const PARTS: [string, (frame: Frame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['start-up (module loading)', (f) => f.url.includes('internal/modules/') || f.functionName === 'compileSourceTextModule'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['review(): the policies', (f) => f.functionName === 'review' && f.url.endsWith('admission/complete.ts')],
  ['the decision log line (format and write)', (f) => f.functionName === 'logDecision'],
  ['metrics', (f) => f.url.includes('prom-client') || f.url.endsWith('metrics/metrics.ts')],
  ['decode (AdmissionReview schema)', (f) => f.functionName === 'decodeReview'],
  ['the deadline (timer, signal)', (f) => f.url.endsWith('review-handler.ts') && (f.functionName === 'startDeadline' || f.functionName === 'done')],
  ['JSON parse of the request body', (f) => f.url.includes('secure-json-parse')],
  ['response write (TLS encrypt, send)', (f) => ['writeUtf8String', 'writeLatin1String', 'writeBuffer', 'writev'].includes(f.functionName)],
  ['request read (TLS decrypt, HTTP parse)', (f) => f.functionName === 'onStreamRead' || f.url.includes('_http_common')],
  ['the live view (watch events, GETs)', (f) => f.url.includes('cluster/live/')],
];

const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const spent = new Map<string, number>([...PARTS.map(([name]): [string, number] => [name, 0]), ['Fastify, HTTP, streams (the rest)', 0]]);
profile.samples.forEach((sample, index) => {
  const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
  let part: string | undefined;
  for (let id: number | undefined = sample; id !== undefined && !part; id = parentOf.get(id)) {
    const frame = byId.get(id)?.callFrame;
    part = frame && PARTS.find(([, matches]) => matches(frame))?.[0];
  }
  const name = part ?? 'Fastify, HTTP, streams (the rest)';
  spent.set(name, (spent.get(name) ?? 0) + ms);
});
const perReview = (ms: number): string => `${((1000 * ms) / reviews).toFixed(1)} µs`;
const busy = [...spent].filter(([name]) => name !== 'idle' && !name.startsWith('start-up')).reduce((sum, [, ms]) => sum + ms, 0);
process.stdout.write(`${path}: ${perReview(busy)} per review sampled (idle and start-up left out)\n`);
for (const [name, ms] of spent) if (name !== 'idle' && !name.startsWith('start-up')) process.stdout.write(`  ${name}: ${perReview(ms)}\n`);
