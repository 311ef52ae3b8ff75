// Child process of bench/admission.ts: the fake API server (test/cluster/fake-api-server.ts)
// holding the bench's Namespace and Secrets, answering each request after LATENCY_MS (default 1)
// as a real API server's round trip would. argv: <cluster.yaml>. Prints { kubeconfig }, then
// answers each line on stdin with the requests it has served so far: { requests, secretGets }
// (watches excluded; they stay open).
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseManifests } from '../src/cluster/manifest-view.ts';
import { FakeApiServer, type FakeObject } from '../test/cluster/fake-api-server.ts';

const [manifests] = process.argv.slice(2) as [string];
const api = new FakeApiServer();
api.load(parseManifests(await readFile(manifests, 'utf8'), manifests) as FakeObject[]);
await api.start();
api.latencyMs = Number(process.env.LATENCY_MS ?? 1);
process.stdout.write(`${JSON.stringify({ kubeconfig: api.kubeconfigPath })}\n`);
for await (const _line of createInterface({ input: process.stdin })) {
  const served = api.requests.filter((request) => !/[?&]watch=/.test(request.path));
  const secretGets = served.filter((request) => request.method === 'GET' && /\/secrets\/[^/?]+$/.test(request.path)).length;
  process.stdout.write(`${JSON.stringify({ requests: served.length, secretGets })}\n`);
}
