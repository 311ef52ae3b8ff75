// promtool (Prometheus v3.16, Go module github.com/prometheus/prometheus v0.316.0), built once by
// scripts/e2e-binaries.sh promtool into the XDG cache (cold build time: docs/e2e.md).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

let built: string | undefined;

export const promtoolPath = (): string => {
  if (built) return built;
  // A cold build takes minutes (see docs/e2e.md); nothing else here waits on it.
  const result = spawnSync('bash', [join(ROOT, 'scripts/e2e-binaries.sh'), 'promtool'], { encoding: 'utf8', timeout: 60 * 60_000 });
  const path = /^promtool (.+)$/m.exec(result.stdout ?? '')?.[1];
  if (result.status !== 0 || !path)
    throw new Error(`scripts/e2e-binaries.sh promtool failed (${String(result.status)}):\n${(result.stderr ?? '').slice(-4000)}`);
  built = path;
  return path;
};

export type PromtoolResult = { code: number; stdout: string; stderr: string };

export const promtool = (args: string[], input?: string): PromtoolResult => {
  const result = spawnSync(promtoolPath(), args, { encoding: 'utf8', cwd: ROOT, ...(input === undefined ? {} : { input }), timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
};
