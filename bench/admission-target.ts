// A server under load for bench/admission.ts, in its own process (the load generator must not
// share its event loop). argv: certguard|bare <certDir> <manifests>, or certguard-live <certDir>
// <kubeconfig> (the live view, the production path). Prints the port once ready.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastify from 'fastify';
import { destination } from 'pino';
import { startServer } from '../src/cli/serve.ts';
import { defaultConfig } from '../src/config/load.ts';
import { createLogger } from '../src/server/logger.ts';

const [kind, certDir, source] = process.argv.slice(2) as [string, string, string];

// BARE_WORK_US: the bare handler spins that long per review, to see what the shared HTTP/TLS
// path costs when the handler works about as long as certguard's does (bench/README.md).
const BARE_WORK_US = Number(process.env.BARE_WORK_US ?? 0);
const spin = (micros: number): void => {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
};

const startBare = async (): Promise<number> => {
  // The floor: Fastify over the same TLS, parsing the body and answering a fixed review.
  const app = fastify({
    https: { cert: await readFile(join(certDir, 'tls.crt')), key: await readFile(join(certDir, 'tls.key')), minVersion: 'TLSv1.2' },
    keepAliveTimeout: 120_000,
  });
  app.post('/validate', async (request) => {
    if (BARE_WORK_US > 0) spin(BARE_WORK_US);
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: (request.body as { request: { uid: string } }).request.uid, allowed: true },
    };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
};

/** The live view lists and watches first: reviews start once /readyz says the cache is synced. */
const waitUntilReady = async (metricsPort: number): Promise<void> => {
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const startCertguard = async (view: { manifests: string } | { kubeconfig: string }): Promise<number> => {
  // Production logs one info line per decision: keep that cost, send it nowhere, through the
  // same kind of stream pino writes stdout with in production (sonic-boom; a FileHandle stream's
  // promise-per-write cost ~3 % of the server's samples that production does not pay).
  const devNull = destination({ dest: '/dev/null' });
  const server = await startServer({
    port: 0,
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    certPath: join(certDir, 'tls.crt'),
    keyPath: join(certDir, 'tls.key'),
    config: defaultConfig(),
    ...view,
    logger: createLogger('info', devNull as unknown as NodeJS.WritableStream),
  });
  await waitUntilReady(server.ports.metrics);
  return server.ports.admission;
};

const port = kind === 'bare' ? await startBare() : await startCertguard(kind === 'certguard-live' ? { kubeconfig: source } : { manifests: source });
process.stdout.write(`${port}\n`);
// A normal exit on SIGTERM, so that --cpu-prof (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
