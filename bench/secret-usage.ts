// The Secret → listeners index behind tls-secret-in-use: what a re-list of many Gateways costs
// (the whole kind re-indexed), what one watch event costs, and what a Secret DELETE's lookup
// costs, referenced or not. Nothing here scans Gateways per request; this shows it stays so.
import { SecretUsageIndex } from '../src/cluster/secret-usage.ts';
import type { KubeObject } from '../src/kube/object.ts';

const GATEWAYS = 2000;
const LISTENERS = 25;
const LOOKUPS = 200_000;

const gateway = (index: number, secretPrefix = 'app'): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: `ns-${index % 100}`, name: `gw-${index}` },
  spec: {
    listeners: Array.from({ length: LISTENERS }, (_, listener) => ({
      name: `https-${listener}`,
      port: 443,
      protocol: 'HTTPS',
      hostname: `h${listener}.gw-${index}.example.com`,
      tls: { certificateRefs: [{ name: `${secretPrefix}-${index}-${listener}-tls` }] },
    })),
  },
});

const timed = (run: () => void): number => {
  const started = performance.now();
  run();
  return performance.now() - started;
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export const runSecretUsageBench = async (): Promise<string> => {
  const objects = Array.from({ length: GATEWAYS }, (_, index) => gateway(index));
  // The view's store of Gateways, which the index reads a Secret's listeners from.
  const stored = new Map(objects.map((object) => [object.metadata?.name, object]));
  const index = new SecretUsageIndex((_resource, _namespace, name) => stored.get(name));
  index.replace('gateways', objects); // warm-up
  const relist = timed(() => index.replace('gateways', objects));
  const updates: number[] = [];
  for (let i = 0; i < 1000; i += 1) {
    const updated = gateway(i % GATEWAYS, i % 2 === 0 ? 'new' : 'app');
    stored.set(updated.metadata?.name, updated);
    updates.push(timed(() => index.upsert('gateways', updated)));
  }
  updates.sort((a, b) => a - b);
  let found = 0;
  const hit = timed(() => {
    for (let i = 0; i < LOOKUPS; i += 1) found += index.usesOf(`ns-${i % 100}`, `app-${i % GATEWAYS}-${i % LISTENERS}-tls`).length;
  });
  const miss = timed(() => {
    for (let i = 0; i < LOOKUPS; i += 1) found += index.usesOf(`ns-${i % 100}`, `unused-${i}-tls`).length;
  });
  return [
    `${GATEWAYS} Gateways × ${LISTENERS} HTTPS listeners (${GATEWAYS * LISTENERS} Secret refs, ${index.size} Secrets indexed), ${LOOKUPS} lookups each`,
    '',
    '| operation | time |',
    '|---|---:|',
    `| re-list: re-index all ${GATEWAYS} Gateways | ${relist.toFixed(1)} ms |`,
    `| one watch event (a Gateway re-indexed), p50 / p99 | ${(percentile(updates, 50) * 1000).toFixed(1)} / ${(percentile(updates, 99) * 1000).toFixed(1)} µs |`,
    `| lookup of a referenced Secret | ${((hit / LOOKUPS) * 1e6).toFixed(0)} ns |`,
    `| lookup of a Secret no listener references | ${((miss / LOOKUPS) * 1e6).toFixed(0)} ns |`,
    '',
    `(${found} uses found, so the lookups are not optimised away)`,
  ].join('\n');
};
