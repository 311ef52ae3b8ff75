// `npm test`: the whole suite, as CI runs it. Type-check, lint, make sure dnsmasq, pebble, the end-to-end
// binaries (built from Go modules once, then cached) and images (scripts/e2e-images.sh) exist, run every tap file, and end with one
// line "N passed, N failed" counted from tap's own summary of this run.
//
// `--tier=unit` (npm run test:unit) runs only the files that need neither Go nor the end-to-end
// binaries, without type-check and lint; `--tier=e2e` (npm run test:e2e) only the others. Files
// named after the options run alone, whatever the tier.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failureCollector } from './test-failures.ts';
import { TEST_FILES, tierFiles } from './test-tiers.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const runStep = (command: string, args: string[], onLine?: (line: string) => void): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', onLine ? 'pipe' : 'inherit', 'inherit'] });
    if (onLine && child.stdout) {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk);
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.stdout.on('end', () => buffer && onLine(buffer));
    }
    child.on('close', (code) => resolve(code ?? 1));
  });

type Tier = 'all' | 'unit' | 'e2e';

const parseArgs = (argv: string[]): { tier: Tier; files: string[] } => {
  const tierArg = argv.find((arg) => arg.startsWith('--tier='));
  const tier = (tierArg?.slice('--tier='.length) ?? 'all') as Tier;
  if (!['all', 'unit', 'e2e'].includes(tier)) throw new Error(`--tier must be unit or e2e, got "${tier}"`);
  return { tier, files: argv.filter((arg) => arg !== tierArg) };
};

const hasCommand = async (name: string): Promise<boolean> => (await runQuiet('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`])) === 0;

const runQuiet = (command: string, args: string[]): Promise<number> =>
  new Promise((resolve) => spawn(command, args, { stdio: 'ignore' }).on('close', (code) => resolve(code ?? 1)));

/**
 * The DNS tests start Debian's dnsmasq on a loopback port, the cert-manager end-to-end tests
 * Debian's pebble (ACME test server), the in-cluster tests Debian's dockerd, containerd, runc and
 * CNI plugins, and mmdebstrap for their base image. On a fresh Debian machine as root, install what is missing
 * (dnsmasq-base: the binary only, no system service on port 53); elsewhere those tests fail with
 * a message saying how to install it.
 */
const ensureDebianPackages = async (): Promise<void> => {
  const wanted: Array<[boolean, string]> = [
    [await hasCommand('dnsmasq'), 'dnsmasq-base'],
    [await hasCommand('pebble'), 'pebble'],
    // The in-cluster scenarios (test/e2e/node-*.test.ts): image builds, the node's runtime and CNI.
    [await hasCommand('dockerd'), 'docker.io'],
    [existsSync('/usr/lib/cni/bridge'), 'containernetworking-plugins'],
    [await hasCommand('mmdebstrap'), 'mmdebstrap'],
  ];
  const missing = wanted.filter(([present]) => !present).map(([, name]) => name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await hasCommand('apt-get'))) return;
  process.stdout.write(`installing ${missing.join(' ')} for the DNS and ACME tests\n`);
  await runStep('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`]);
};

/** Type-check, lint (typescript-eslint: floating promises and the import fences of eslint.config.js) and format (Prettier). */
const checkSources = async (): Promise<string | undefined> => {
  if ((await runStep(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])) !== 0) return 'typecheck failed';
  if ((await runStep(bin('eslint'), ['--max-warnings=0', '.'])) !== 0) return 'lint failed';
  if ((await runStep(bin('prettier'), ['--check', '--log-level=warn', '.'])) !== 0) return 'format check failed: run npm run format';
  return undefined;
};

const main = async (): Promise<number> => {
  const { tier, files } = parseArgs(process.argv.slice(2));
  const broken = tier === 'unit' ? undefined : await checkSources();
  if (broken) {
    process.stdout.write(`${broken}\n0 passed, 1 failed\n`);
    return 1;
  }
  await ensureDebianPackages();
  if (tier !== 'unit' && (await runStep('bash', [join(root, 'scripts/e2e-binaries.sh')])) !== 0) {
    process.stdout.write('building the end-to-end binaries failed\n0 passed, 1 failed\n');
    return 1;
  }
  // Before tap: a cold image build inside the first node-*.test.ts could outlast tap's file timeout.
  // Only root can run dockerd and a node; elsewhere the node-*.test.ts files fail with the reason.
  if (tier !== 'unit' && process.getuid?.() === 0 && (await runStep('bash', [join(root, 'scripts/e2e-images.sh')])) !== 0) {
    process.stdout.write('building the end-to-end images failed\n0 passed, 1 failed\n');
    return 1;
  }
  const selected = files.length > 0 ? files : tier === 'all' ? TEST_FILES : tierFiles(root, tier);
  let summary = '';
  const failures = failureCollector();
  const code = await runStep(bin('tap'), ['--reporter=tap', ...selected], (line) => {
    failures.add(line);
    if (/^# \{ total: \d+/.test(line)) summary = line;
  });
  for (const failure of failures.failures()) process.stdout.write(`failed: ${failure}\n`);
  const count = (key: string) => Number(new RegExp(`${key}: (\\d+)`).exec(summary)?.[1] ?? 0);
  // tap failing without a counted failure (a crashed file, a timeout) still counts as one.
  const failed = Math.max(count('fail'), code !== 0 || !summary ? 1 : 0);
  const skipped = count('skip') + count('todo');
  process.stdout.write(`${count('pass')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return code;
};

process.exitCode = await main();
