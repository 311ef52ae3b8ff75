// `npm test`: the whole suite, as CI runs it. Type-check, lint, make sure dnsmasq, pebble and the end-to-end
// binaries exist (built from Go modules once, then cached), run every tap file, and end with one
// line "N passed, N failed" counted from tap's own summary of this run.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const TEST_FILES = ['src/**/*.test.ts', 'test/**/*.test.ts'];

const hasCommand = async (name: string): Promise<boolean> => (await runQuiet('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`])) === 0;

const runQuiet = (command: string, args: string[]): Promise<number> =>
  new Promise((resolve) => spawn(command, args, { stdio: 'ignore' }).on('close', (code) => resolve(code ?? 1)));

/**
 * The DNS tests start Debian's dnsmasq on a loopback port, the cert-manager end-to-end tests
 * Debian's pebble (ACME test server). On a fresh Debian machine as root, install what is missing
 * (dnsmasq-base: the binary only, no system service on port 53); elsewhere those tests fail with
 * a message saying how to install it.
 */
const ensureDebianPackages = async (): Promise<void> => {
  const missing = [...((await hasCommand('dnsmasq')) ? [] : ['dnsmasq-base']), ...((await hasCommand('pebble')) ? [] : ['pebble'])];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await hasCommand('apt-get'))) return;
  process.stdout.write(`installing ${missing.join(' ')} for the DNS and ACME tests\n`);
  await runStep('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`]);
};

const main = async (): Promise<number> => {
  const filter = process.argv.slice(2);
  if ((await runStep(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])) !== 0) {
    process.stdout.write('typecheck failed\n0 passed, 1 failed\n');
    return 1;
  }
  // typescript-eslint (eslint.config.js): floating promises and the import fences of STYLE.md.
  if ((await runStep(bin('eslint'), ['--max-warnings=0', '.'])) !== 0) {
    process.stdout.write('lint failed\n0 passed, 1 failed\n');
    return 1;
  }
  await ensureDebianPackages();
  if ((await runStep('bash', [join(root, 'scripts/e2e-binaries.sh')])) !== 0) {
    process.stdout.write('building the end-to-end binaries failed\n0 passed, 1 failed\n');
    return 1;
  }
  let summary = '';
  const code = await runStep(bin('tap'), ['--reporter=tap', ...(filter.length > 0 ? filter : TEST_FILES)], (line) => {
    if (/^# \{ total: \d+/.test(line)) summary = line;
  });
  const count = (key: string) => Number(new RegExp(`${key}: (\\d+)`).exec(summary)?.[1] ?? 0);
  // tap failing without a counted failure (a crashed file, a timeout) still counts as one.
  const failed = Math.max(count('fail'), code !== 0 || !summary ? 1 : 0);
  const skipped = count('skip') + count('todo');
  process.stdout.write(`${count('pass')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return code;
};

process.exitCode = await main();
