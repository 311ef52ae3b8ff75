// How long one placeholder Secret's key + certificate takes at admission, per key algorithm
// (a placeholder takes its Certificate's spec.privateKey: issue 12), and how much of that holds
// the event loop (and so every other review in flight). Key generation runs in libuv's thread
// pool; building the certificate (forge) and signing it (node:crypto) do not.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { validityWindow, type KeySpec } from '../src/certs/x509.ts';
import { generatePlaceholderCertificate } from '../src/policies/gateway-listener-tls/placeholder.ts';

const RUNS = Number(process.env.RUNS ?? 30);

const KEYS: KeySpec[] = [
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'RSA', size: 3072 },
  { algorithm: 'RSA', size: 4096 },
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'ECDSA', size: 521 },
  { algorithm: 'Ed25519' },
];

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const nameOf = (key: KeySpec): string => (key.algorithm === 'Ed25519' ? 'Ed25519' : `${key.algorithm} ${key.size}`);

const measure = async (key: KeySpec): Promise<string> => {
  const spec = { commonName: 'app.example.com', dnsNames: ['app.example.com'], organization: 'certguard placeholder', ...validityWindow(7), key };
  await generatePlaceholderCertificate(spec); // warm-up: first use loads OpenSSL's code for the algorithm
  const durations: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    await generatePlaceholderCertificate(spec);
    durations.push(performance.now() - started);
  }
  loop.disable();
  durations.sort((a, b) => a - b);
  return `| ${nameOf(key)} | ${percentile(durations, 50).toFixed(1)} | ${percentile(durations, 99).toFixed(1)} | ${(loop.max / 1e6).toFixed(1)} |`;
};

export const runPlaceholderBench = async (): Promise<string> => {
  const rows: string[] = [];
  for (const key of KEYS) rows.push(await measure(key));
  return [
    `${RUNS} placeholders per key algorithm (key in the thread pool + self-signed certificate), one after another`,
    '',
    '| key | p50 ms | p99 ms | max event-loop delay ms |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
};

if (import.meta.main) process.stdout.write(`${await runPlaceholderBench()}\n`);
