// How long one placeholder Secret's key + certificate takes at admission, and how much of that
// holds the event loop (and so every other review in flight). RSA key generation runs in
// libuv's thread pool; building the certificate with forge and signing it natively do not.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { validityWindow } from '../src/certs/x509.ts';
import { generatePlaceholderCertificate } from '../src/policies/gateway-listener-tls/placeholder.ts';

const RUNS = 30;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export const runPlaceholderBench = async (): Promise<string> => {
  const spec = { commonName: 'app.example.com', dnsNames: ['app.example.com'], organization: 'certguard placeholder', ...validityWindow(7) };
  await generatePlaceholderCertificate(spec); // warm-up: first use loads OpenSSL's RSA code
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
  return [
    `${RUNS} placeholders (RSA 2048 key + self-signed certificate), one after another`,
    '',
    '| per placeholder | p50 ms | p99 ms | max event-loop delay ms |',
    '|---|---:|---:|---:|',
    `| key (thread pool) + certificate (forge build, native sign) | ${percentile(durations, 50).toFixed(1)} | ${percentile(durations, 99).toFixed(1)} | ${(loop.max / 1e6).toFixed(1)} |`,
  ].join('\n');
};
