// Bytes allocated per review, and by which functions: V8's sampling heap profiler, keeping the
// samples young and old collections freed, over N reviews through serve's app in process
// (review-fixture.ts `handler`: routing, body parse, deadline, review, metrics, decision line)
// next to a bare Fastify app answering the same body with a fixed review. Allocation is what
// drives scavenges under the image's 2 MiB semi-spaces, and unlike CPU time it does not move
// with the machine's load, so this runs anywhere.
//
//   node bench/review-alloc.ts [tree]          # N=20000 reviews per side, TOP=25 functions
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import fastify from 'fastify';
import { gatewayReview, reviewFixture } from './review-fixture.ts';

const root = resolve(process.argv[2] ?? '.');
const N = Number(process.env.N ?? 20_000);
const TOP = Number(process.env.TOP ?? 25);

type ProfileNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] };

const session = new Session();
session.connect();

/** Sampled bytes allocated while `step` runs N times, in total and by function (self size). */
const sample = async (step: () => Promise<unknown>) => {
  for (let round = 0; round < 2_000; round += 1) await step();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let round = 0; round < N; round += 1) await step();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src|bench|test)\//, '$1/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    const place = /node_modules\/(@[^/]+\/)?[^/]+|src\/[^/]+|bench|node:/.exec(url)?.[0] ?? '(V8 builtins)';
    byPlace.set(place, (byPlace.get(place) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  const top = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return { perReview: total / N, byPlace: top(byPlace), byFunction: top(byFunction) };
};

const bare = fastify();
bare.post('/validate', async (request) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: (request.body as { request: { uid: string } }).request.uid, allowed: true },
}));
const payload = JSON.stringify(gatewayReview(0));
const bareStep = () => bare.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload });

const fixture = await reviewFixture(root);
const rows = [
  ['bare Fastify, fixed answer', await sample(bareStep)],
  ['serve app, clean 25-listener Gateway', await sample(fixture.handler)],
  ['review() alone, clean', await sample(fixture.clean)],
] as const;
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
for (const [name, { perReview, byPlace, byFunction }] of rows) {
  process.stdout.write(`\n${name}: ${kib(perReview)} KiB allocated per review (N=${N}, sampled)\n`);
  for (const [place, bytes] of byPlace) process.stdout.write(`  ${kib(bytes / N).padStart(7)} KiB  ${place}\n`);
  process.stdout.write('  by function:\n');
  for (const [key, bytes] of byFunction) process.stdout.write(`  ${kib(bytes / N).padStart(7)} KiB  ${key}\n`);
}
await fixture.stop();
await bare.close();
session.disconnect();
