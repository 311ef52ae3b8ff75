// One server of bench/admission.ts under N allowed reviews of the 25-listener Gateway on 8
// keep-alive connections, with the Node settings given — `image` (the Dockerfile's:
// image-settings.ts), `none`, or node flags in quotes (NODE_OPTIONS from the caller's environment
// passes through) — printing the server's CPU per review from /proc. For comparing settings one
// at a time, alternately:
//
//   node bench/target-settings.ts <bare|certguard|certguard-live> <image|none|"flags"> [N] [profile dir]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { imageSettings } from './image-settings.ts';
import { writeBenchFiles } from './admission.ts';
import { gatewayReview } from './review-fixture.ts';

const [kind = 'certguard-live', settings = 'image', countText = '15000', profileDir] = process.argv.slice(2);
const REVIEWS = Number(countText);
const WARMUP = 3_000;
const CONNECTIONS = 8;

const dir = await mkdtemp(join(tmpdir(), 'certguard-settings-'));
const { pair, clusterYaml } = await writeBenchFiles(dir);

const image = imageSettings();
const nodeFlags = settings === 'image' ? image.nodeFlags : settings === 'none' ? [] : settings.split(' ');
const env = settings === 'image' ? { ...process.env, ...image.env } : process.env;
const firstLine = async (child: ChildProcess): Promise<string> =>
  String((await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value);

let api: ChildProcess | undefined;
let source = clusterYaml;
if (kind === 'certguard-live') {
  api = spawn(process.execPath, [join(import.meta.dirname, 'admission-api-server.ts'), clusterYaml], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LATENCY_MS: '1' },
  });
  source = (JSON.parse(await firstLine(api)) as { kubeconfig: string }).kubeconfig;
}
const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const target = spawn(process.execPath, [...nodeFlags, ...profile, join(import.meta.dirname, 'admission-target.ts'), kind, join(dir, 'certs'), source], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env,
});
const port = Number(await firstLine(target));

const body = JSON.stringify(gatewayReview(0));
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: pair.ca.certificatePem, servername: 'localhost' });
const post = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, method: 'POST', path: '/validate', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => (text.includes('"allowed":true') ? resolve() : reject(new Error(text))));
    });
    sent.on('error', reject);
    sent.end(body);
  });
const run = async (total: number): Promise<void> => {
  let next = 0;
  const worker = async () => {
    for (; next < total; next += 1) await post();
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
};
const cpuMs = async (): Promise<number> => {
  const fields = (await readFile(`/proc/${target.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

await run(WARMUP);
const [cpuBefore, started] = [await cpuMs(), performance.now()];
await run(REVIEWS);
const [cpu, seconds] = [(await cpuMs()) - cpuBefore, (performance.now() - started) / 1000];
process.stdout.write(
  `${kind}, settings ${settings}${process.env.NODE_OPTIONS ? ` (NODE_OPTIONS ${process.env.NODE_OPTIONS})` : ''}: ${(cpu / REVIEWS).toFixed(3)} ms CPU per review, ${(REVIEWS / seconds).toFixed(0)} reviews/s, load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}\n`,
);
agent.destroy();
target.kill('SIGTERM');
api?.kill('SIGTERM');
await new Promise((resolve) => target.once('exit', resolve));
await rm(dir, { recursive: true, force: true });
