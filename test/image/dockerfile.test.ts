// The image's node flags in one place each: V8 rejects a compile cache made under other flags, so
// the build's warm-up must run node exactly as the ENTRYPOINT does, or every module is stripped
// again at run time (test/e2e/node-compile-cache.test.ts shows that on a node; this says why first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const dockerfile = readFileSync(join(import.meta.dirname, '../../Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const NODE = '/usr/local/bin/node';

const entrypoint = (): string[] => {
  const line = dockerfile.split('\n').findLast((text) => text.startsWith('ENTRYPOINT '));
  return JSON.parse(line?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
};

/** The flags between node and bin/certguard.js of every node run in a RUN line. */
const warmUpFlags = (): string[][] =>
  [...dockerfile.matchAll(new RegExp(`${NODE.replaceAll('/', '\\/')}((?:\\s+--\\S+)*)\\s+\\/app\\/bin\\/certguard\\.js`, 'g'))].map((match) =>
    match[1]!.trim().split(/\s+/).filter(Boolean),
  );

t.test('the ENTRYPOINT runs node with --no-allocation-site-pretenuring before certguard', async (t) => {
  const [node, ...rest] = entrypoint();
  t.equal(node, NODE);
  t.same(rest, ['--no-allocation-site-pretenuring', '/app/bin/certguard.js']);
});

t.test('every warm-up run of node uses the ENTRYPOINT flags', async (t) => {
  const flags = entrypoint().slice(1, -1);
  const runs = warmUpFlags();
  t.ok(runs.length >= 5, `the compile cache is warmed by the commands' --help and a serve (${runs.length} runs)`);
  t.same(
    runs.filter((run) => run.join(' ') !== flags.join(' ')),
    [],
    'no warm-up run with other flags',
  );
});
