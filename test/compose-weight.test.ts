// The commands without /metrics (check, audit, explain) build their policies through compose.ts:
// it must not pull in prom-client, which only serve's registry needs (compose-metrics.ts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';

const loads = (module: string): boolean => {
  const script = `const { createRequire } = await import('node:module'); await import(${JSON.stringify(module)}); process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/prom-client/'))));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }) === 'true';
};

t.test('compose.ts builds policies without loading prom-client; compose-metrics.ts loads it', async (t) => {
  const src = join(import.meta.dirname, '..', 'src');
  t.equal(loads(join(src, 'compose.ts')), false);
  t.equal(loads(join(src, 'compose-metrics.ts')), true, 'the check can see prom-client when it is loaded');
});
