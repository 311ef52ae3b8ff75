// How long a CLI command takes as a user runs it, Node start and module load included: `version`
// (Node alone, nearly), `explain -h` (explain's modules) and a real explain of a 25-listener
// Gateway from --manifests. Each tree (argument; default this one) with the compile cache off
// (NODE_DISABLE_COMPILE_CACHE=1) and warm (NODE_COMPILE_CACHE, filled by one untimed run of each
// command, whose time is reported as "cold"). Rounds alternate the trees and variants, so a
// before/after comparison shares the machine's load. ROUNDS=n (default 7).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const LISTENERS = 25;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

/** A Gateway with 25 HTTPS listeners, each with its own Secret (the fixture's valid app.example.com certificate). */
const writeManifests = (dir: string): void => {
  const fixture = join(import.meta.dirname, '../src/policies/gateway-listener-tls/fixtures/good/same-namespace-secret.yaml');
  const objects = parseAllDocuments(readFileSync(fixture, 'utf8')).map((document) => document.toJS() as { kind: string; metadata: { name: string } });
  const secret = objects.find((object) => object.kind === 'Secret');
  const namespace = objects.find((object) => object.kind === 'Namespace');
  const listeners = Array.from({ length: LISTENERS }, (_, index) => ({
    name: `https-${index}`,
    port: 8443,
    protocol: 'HTTPS',
    hostname: 'app.example.com',
    tls: { certificateRefs: [{ name: `app-tls-${index}` }] },
  }));
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'traefik' },
    spec: { gatewayClassName: 'traefik', listeners },
  };
  const secrets = listeners.map((_, index) => ({ ...secret, metadata: { ...secret?.metadata, name: `app-tls-${index}` } }));
  writeFileSync(join(dir, 'objects.yaml'), [namespace, gateway, ...secrets].map((object) => stringify(object)).join('---\n'));
};

type Variant = { name: string; tree: string; env: NodeJS.ProcessEnv; times: Record<string, number[]>; cold: Record<string, number> };

const timeRun = (variant: Variant, args: string[]): number => {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(variant.tree, 'bin/certguard.js'), ...args], { env: variant.env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${variant.name} ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return ms;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export const runCliStartBench = async (trees: string[] = [join(import.meta.dirname, '..')]): Promise<string> => {
  const work = mkdtempSync(join(tmpdir(), 'certguard-cli-start-'));
  try {
    const manifests = join(work, 'manifests');
    mkdirSync(manifests);
    writeManifests(manifests);
    const commands: Record<string, string[]> = {
      version: ['version'],
      'explain -h': ['explain', '-h'],
      [`explain ${LISTENERS} listeners`]: ['explain', 'gateway', 'traefik/gw', '--manifests', manifests, '-o', 'json'],
    };
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.NODE_COMPILE_CACHE;
    delete base.NODE_DISABLE_COMPILE_CACHE;
    const variants: Variant[] = trees.flatMap((tree, index) => [
      { name: `${tree}, compile cache off`, tree: resolve(tree), env: { ...base, NODE_DISABLE_COMPILE_CACHE: '1' }, times: {}, cold: {} },
      { name: `${tree}, compile cache warm`, tree: resolve(tree), env: { ...base, NODE_COMPILE_CACHE: join(work, `cache-${index}`) }, times: {}, cold: {} },
    ]);
    const loadBefore = loadavg()
      .map((load) => load.toFixed(2))
      .join(' ');
    for (const variant of variants) for (const [name, args] of Object.entries(commands)) variant.cold[name] = timeRun(variant, args);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, args] of Object.entries(commands)) {
        for (const variant of round % 2 ? [...variants].reverse() : variants) (variant.times[name] ??= []).push(timeRun(variant, args));
      }
    }
    const loadAfter = loadavg()
      .map((load) => load.toFixed(2))
      .join(' ');
    const names = Object.keys(commands);
    const cell = (values: number[]) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
    return [
      `node ${process.version}, ${ROUNDS} rounds, ms median (min–max); load average ${loadBefore} before, ${loadAfter} after`,
      '',
      `| tree, variant | ${names.join(' | ')} | first run (cold) of each |`,
      `|---|${names.map(() => '---:|').join('')}---|`,
      ...variants.map(
        (variant) =>
          `| ${variant.name} | ${names.map((name) => cell(variant.times[name] ?? [])).join(' | ')} | ${names.map((name) => (variant.cold[name] ?? 0).toFixed(0)).join(' / ')} |`,
      ),
    ].join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

if (import.meta.main) process.stdout.write(`${await runCliStartBench(process.argv.length > 2 ? process.argv.slice(2) : undefined)}\n`);
