// covers() (src/certs/hostname.ts) against Go's crypto/x509 Certificate.VerifyHostname, the
// reference the README names: the oracle (test/e2e/hostname-oracle, built and cached by
// scripts/e2e-binaries.sh) answers for generated pairs of a certificate DNS name and a hostname a
// Gateway or ListenerSet listener may carry, and certguard must answer the same for every pair.
import t from 'tap';
import fc from 'fast-check';
import { covers } from '../../src/certs/hostname.ts';
import { repoRoot } from './harness/paths.ts';
import { run } from './harness/processes.ts';
import { join } from 'node:path';

type Pair = { pattern: string; host: string };

const oracle = async (): Promise<string> => {
  const built = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh'), 'hostname-oracle'], { timeoutMs: 10 * 60_000 });
  if (built.code !== 0) throw new Error(`scripts/e2e-binaries.sh hostname-oracle failed (${built.code}):\n${built.stderr.slice(-4000)}`);
  const path = /^hostname-oracle (\S+)$/m.exec(built.stdout)?.[1];
  if (!path) throw new Error(`scripts/e2e-binaries.sh printed no hostname-oracle path: ${built.stdout}`);
  return path;
};

const binary = await oracle();

const ask = async (pairs: Pair[]): Promise<{ go: string; covers: boolean[] }> => {
  const result = await run(binary, [], { input: JSON.stringify(pairs) });
  if (result.code !== 0) throw new Error(`hostname-oracle failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as { go: string; covers: boolean[] };
};

// Gateway API Hostname (listener.hostname): lower-case RFC 1123 labels, optionally "*." first;
// few distinct labels, so that generated certificate names often match them.
const label = fc.constantFrom('a', 'b', 'ab', 'a-b', 'x1', '0', 'example', 'com');
const listenerHost = fc.tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 4 })).map(([wild, labels]) => `${wild ? '*.' : ''}${labels.join('.')}`);

// Certificate names: anything a Certificate or a Secret's certificate may carry, near the host.
const mutate = (host: string, kind: number, at: number): string => {
  const labels = host.split('.');
  switch (kind) {
    case 0:
      return host;
    case 1:
      return `${host}.`;
    case 2:
      return ['*', ...labels.slice(1)].join('.');
    case 3:
      return `*.${host}`;
    case 4:
      return host.toUpperCase();
    case 5:
      return labels.map((part, index) => (index === at % labels.length ? '*' : part)).join('.');
    case 6:
      return `${['*', ...labels.slice(1)].join('.')}.`;
    case 7:
      return host.replace(/k/g, '\u212a');
    case 8:
      return host.replace('.', '..');
    case 9:
      return `-${host}`;
    case 10:
      return host.replace(/^[^.]*/, (first) => `${first}_x`);
    case 11:
      return `*${host}`;
    default:
      return host.slice(0, at % (host.length + 1));
  }
};
const pattern = (host: string) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 12 }), fc.nat()).map(([kind, at]) => mutate(host, kind, at)),
    fc.stringMatching(/^[a-zA-Z0-9*._ -]{0,12}$/),
    fc.constantFrom('', '.', '*', '*.', 'example.com', '*.com', 'EXAMPLE.COM.'),
  );
const pairs = fc.array(
  listenerHost.chain((host) => fc.record({ pattern: pattern(host), host: fc.constant(host) })),
  { minLength: 1500, maxLength: 1500 },
);

// The cases the README names, plus the trailing dot of the CAA work.
const NAMED: Pair[] = [
  { pattern: '*.example.com', host: 'a.example.com' },
  { pattern: '*.example.com', host: 'example.com' },
  { pattern: '*.example.com', host: 'a.b.example.com' },
  { pattern: '*.example.com', host: '*.example.com' },
  { pattern: 'example.com.', host: 'example.com' },
  { pattern: '*.example.com.', host: 'a.example.com' },
  { pattern: 'EXAMPLE.com', host: 'example.com' },
  // The shortcuts of hostname.ts: addresses (and names that only look like one), case, one trailing dot.
  { pattern: '1.2.3.4', host: '1.2.3.4' },
  { pattern: '*.2.3.4', host: '1.2.3.4' },
  { pattern: '::1', host: '::1' },
  { pattern: '1.2.3', host: '1.2.3' },
  { pattern: '1.2.3.4.5', host: '1.2.3.4.5' },
  { pattern: '*.example.com', host: 'A.Example.COM' },
  { pattern: '*.EXAMPLE.com', host: 'a.example.com.' },
  { pattern: '\u212a.example.com', host: 'k.example.com' },
  { pattern: 'example.com.', host: 'example.com.' },
  { pattern: '*', host: 'a' },
  { pattern: 'a..b', host: 'a..b' },
  { pattern: '-a.example.com', host: '-a.example.com' },
];

const disagreements = (cases: Pair[], answers: boolean[]): string[] =>
  cases.flatMap((pair, index) => {
    const mine = covers(pair.pattern, pair.host);
    return mine === answers[index] ? [] : [`${JSON.stringify(pair.pattern)} covers ${JSON.stringify(pair.host)}: Go ${answers[index]}, certguard ${mine}`];
  });

t.test("covers() answers as Go's crypto/x509 VerifyHostname for generated listener hostnames", async (t) => {
  const generated = fc.sample(pairs, { numRuns: 1, seed: Number(process.env.HOSTNAME_ORACLE_SEED ?? 26) })[0] ?? [];
  const cases = [...NAMED, ...generated];
  const answers = await ask(cases);
  t.equal(answers.covers.length, cases.length, `the oracle (${answers.go}) answered every pair`);
  t.same(disagreements(cases, answers.covers), [], `0 disagreements over ${cases.length} pairs`);
  const covered = answers.covers.filter(Boolean).length;
  t.ok(covered >= 50 && cases.length - covered >= 50, `both answers are exercised (${covered} pairs covered)`);
});

t.test('the oracle answers from Go, not from certguard: a trailing dot covers only the identical name', async (t) => {
  const answers = await ask([
    { pattern: 'example.com.', host: 'example.com' },
    { pattern: 'example.com.', host: 'example.com.' },
    { pattern: 'example.com', host: 'example.com.' },
  ]);
  t.same(answers.covers, [false, true, true]);
});
