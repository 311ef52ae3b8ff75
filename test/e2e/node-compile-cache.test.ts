// The image's compile cache is used where it matters: in the container the chart runs (uid 65532,
// read-only root). Node reports every cache lookup with NODE_DEBUG_NATIVE=COMPILE_CACHE; each
// module certguard loads must be a hit, so the TypeScript stripper never runs in the pod. Also
// prints the image size and the pod's memory from its cgroup (recorded in bench/README.md).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import { startNodeCluster } from './harness/node-cluster.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';

// "[compile cache] reading cache from <dir>/<hash> for <kind> <url>... <outcome>"
const LOOKUP = /^\[compile cache\] reading cache from \S+ for (\S+) (\S+)\.\.\.(.*)$/;

const memoryStat = (cgroup: string): Record<string, number> =>
  Object.fromEntries(
    readFileSync(join(cgroup, 'memory.stat'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [key, value] = line.split(' ');
        return [key, Number(value)];
      }),
  );

/** VmRSS of every process in a cgroup tree (the pod's containers, pause included), in KiB each. */
const processRss = (cgroup: string): number[] => [
  ...readFileSync(join(cgroup, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((pid) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)),
  ...readdirSync(cgroup, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => processRss(join(cgroup, entry.name))),
];

t.test("certguard's pod gets a compile-cache hit for every module it loads", async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  await installCertguard(cluster, { values: { replicaCount: 1, serve: { extraEnv: [{ name: 'NODE_DEBUG_NATIVE', value: 'COMPILE_CACHE' }] } } });
  await waitForMode(cluster, 'enforce');

  const [pod] = await certguardPods(cluster);
  if (!pod) throw new Error('no certguard pod');
  const logs = await cluster.kubectl(['logs', '-n', CERTGUARD_NAMESPACE, pod.metadata.name]);
  t.equal(logs.code, 0, logs.stderr);
  const lookups = logs.stdout
    .split('\n')
    .map((line) => LOOKUP.exec(line))
    .filter((match) => match !== null);
  const missed = (match: RegExpExecArray) => !/ success, size=\d+$/.test(match[3] ?? '');
  const ownSources = lookups.filter((match) => /^file:\/\/\/app\/(src|bin)\//.test(match[2] ?? ''));
  const dependencies = lookups.filter((match) => /^(file:\/\/)?\/app\/node_modules\//.test(match[2] ?? ''));
  const modules = new Set(lookups.map((match) => match[2]));
  t.ok(ownSources.length > 50, `certguard's own modules were looked up (${ownSources.length} lookups)`);
  t.same(
    ownSources.filter(missed).map((match) => `${match[1]} ${match[2]}`),
    [],
    "every lookup for certguard's own sources hit",
  );
  t.notMatch(logs.stdout, /no transpile cache|was rejected/, 'no source was stripped at run time and no V8 code cache was rejected');
  // The Dockerfile's warm-up starts serve until it listens: what fastify compiles its route schemas
  // with (ajv, fast-json-stringify), which no `--help` run loads, is in the cache too.
  t.same(
    dependencies.filter(missed).map((match) => `${match[1]} ${match[2]}`),
    [],
    'every lookup for a dependency hit',
  );
  t.comment(
    `compile cache: ${lookups.length} lookups for ${modules.size} modules; misses: ${ownSources.filter(missed).length} of certguard's own, ${dependencies.filter(missed).length} of ${dependencies.length} in node_modules`,
  );

  // Measured, not asserted: recorded in bench/README.md.
  const stat = memoryStat(cluster.podCgroup(pod.metadata.uid));
  const mib = (bytes: number | undefined) => ((bytes ?? 0) / 1024 / 1024).toFixed(1);
  // total_rss is anonymous memory only; the mapped node binary and libraries count as mapped_file.
  t.comment(
    `idle pod cgroup: rss ${mib(stat.total_rss)} MiB + mapped_file ${mib(stat.total_mapped_file)} MiB, cache ${mib(stat.total_cache)} MiB, working set ${mib((stat.total_rss ?? 0) + (stat.total_active_file ?? 0))} MiB`,
  );
  t.comment(`idle processes' VmRSS (KiB): ${processRss(cluster.podCgroup(pod.metadata.uid)).join(', ')}`);
  t.comment(
    `image tarball (docker save): ${mib(statSync(cluster.images.certguard.tarball).size)} MiB; base ${mib(statSync(cluster.images.base.tarball).size)} MiB`,
  );
});
