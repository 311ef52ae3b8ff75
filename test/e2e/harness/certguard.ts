// certguard as a local process (`certguard serve`) for end-to-end tests.
//
//   const certguard = await startCertguard({ kubeconfigPath: cluster.kubeconfigPath, config: { policies: {...} } });
//   t.teardown(() => certguard.stop());
//
// startCertguard(options) → Certguard:
//   url            https://127.0.0.1:<port> (admission: POST /validate[/<policy>], /mutate[/<policy>])
//   metricsUrl     http://127.0.0.1:<metricsPort> (GET /healthz, /readyz, /metrics)
//   caBundle       base64 PEM of the CA that signed the serving certificate (for webhook configs)
//   certDir        where tls.crt / tls.key live, kubelet-style (..data symlink swap)
//   rotateCertificate(ca?)  writes a new serving certificate, signed by `ca` (which then becomes
//                  certguard.ca) or by the current CA, with an atomic symlink swap; returns it
//   readyz()       { status, body } of GET /readyz;  waitReady() polls it until 200
//   servedSerial() serial of the certificate a fresh TLS handshake on the admission port presents
//   metric(name, labels?)  the value of one Prometheus sample from GET /metrics (undefined if absent)
//   logs()         what certguard wrote to stdout/stderr so far
//   stop()         SIGTERM (then SIGKILL), idempotent; a restart is a new startCertguard
// kubeconfigPath must be certguard's own identity (chart-identity.ts applyChartIdentity): the first
// time /readyz is 200, `kubectl auth whoami` with it must name the chart's ServiceAccount, or
// waitReady throws. A scenario can therefore never run certguard as system:masters by mistake.
// Options: kubeconfigPath, config (object, written as YAML), port / metricsPort (default 0: certguard
// binds free ports and names them in its "certguard listening" log line, which startCertguard waits
// for), certDir + ca (reuse an existing serving certificate), wait (default true: resolve once
// /readyz is 200; false for scenarios that start certguard before the API server), extraArgs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { stringify } from 'yaml';
import { assertCertguardIdentity } from './chart-identity.ts';
import { NODE, repoRoot } from './paths.ts';
import { base64, issueCa, issueServing, writeServingFiles, type Issued } from './pki.ts';
import { makeTempDir, startProcess, stopOnce, tailOf, waitFor } from './processes.ts';

export type CertguardOptions = {
  kubeconfigPath: string;
  config?: object;
  port?: number;
  metricsPort?: number;
  certDir?: string;
  /** The CA of the certificate already in certDir (required with certDir, for caBundle). */
  ca?: Issued;
  wait?: boolean;
  /** More `certguard serve` flags, e.g. ['--secret-namespaces=apps']. */
  extraArgs?: string[];
};

export type Certguard = {
  url: string;
  metricsUrl: string;
  port: number;
  metricsPort: number;
  caBundle: string;
  ca: Issued;
  certDir: string;
  rotateCertificate(ca?: Issued): Promise<Issued>;
  readyz(): Promise<{ status: number; body: string }>;
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  /** Serial number (hex, upper case) of the certificate a new TLS handshake gets. */
  servedSerial(): Promise<string>;
  waitReady(timeoutMs?: number): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
};

/** One sample of a Prometheus text exposition: `name{a="x",b="y"} 3` with exactly these labels. */
export const sampleOf = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have =
      (match[2] ?? '')
        .match(/[\w]+="(?:[^"\\]|\\.)*"/g)
        ?.sort()
        .join(',') ?? '';
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
};

const servedSerialOf = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    // Only reading what is presented: trust is the API server's business (caBundle).
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.once('error', reject);
  });

type Ports = { admission: number; metrics: number };

/** The ports from serve's "certguard listening" line (JSON logs), once it has written it. */
const listeningPorts = (log: string): Ports | undefined => {
  for (const line of log.split('\n')) {
    if (!line.includes('"certguard listening"')) continue;
    const { admission, metrics } = JSON.parse(line) as Partial<Ports>;
    if (typeof admission === 'number' && typeof metrics === 'number') return { admission, metrics };
  }
  return undefined;
};

const getText = async (url: string): Promise<{ status: number; body: string }> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: await response.text() };
};

export const startCertguard = async (options: CertguardOptions): Promise<Certguard> => {
  const dir = makeTempDir('certguard');
  const certDir = options.certDir ?? join(dir, 'certs');
  let ca = options.ca ?? (await issueCa('certguard-e2e-ca'));
  if (!options.certDir) writeServingFiles(certDir, await issueServing(ca, 'certguard'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(options.config ?? {}));
  const logFile = join(dir, 'certguard.log');
  const args = [
    'bin/certguard.js',
    'serve',
    '--port',
    String(options.port ?? 0),
    '--metrics-port',
    String(options.metricsPort ?? 0),
    '--bind-address',
    '127.0.0.1',
    '--tls-cert',
    join(certDir, 'tls.crt'),
    '--tls-key',
    join(certDir, 'tls.key'),
    '--config',
    configFile,
    '--kubeconfig',
    options.kubeconfigPath,
    '--log-level',
    'info',
    ...(options.extraArgs ?? []),
  ];
  const child = startProcess(NODE, args, { logFile, cwd: repoRoot });
  const stop = stopOnce(child, dir);
  const logs = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  // Listening comes before readiness, with or without an API server.
  const { admission: port, metrics: metricsPort } = await waitFor('certguard to listen', async () => listeningPorts(logs()), {
    timeoutMs: 60_000,
    stopIf: () => (child.isRunning() ? undefined : `certguard exited:\n${tailOf(logFile)}`),
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const readyz = () => getText(`${metricsUrl}/readyz`);
  let identityChecked = false;
  const waitReady = async (timeoutMs = 60_000) => {
    let last = 'no answer';
    const probe = async () => {
      const answer = await readyz();
      last = `${answer.status} ${answer.body}`;
      return answer.status === 200 ? true : undefined;
    };
    await waitFor('certguard /readyz', probe, {
      timeoutMs,
      stopIf: () => (child.isRunning() ? undefined : `certguard exited:\n${tailOf(logFile)}`),
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${last}\n--- certguard log ---\n${tailOf(logFile, 20)}`);
    });
    // Ready means the API server answers: now it can say whom certguard runs as.
    if (!identityChecked) await assertCertguardIdentity(options.kubeconfigPath);
    identityChecked = true;
  };
  if (options.wait !== false) {
    await waitReady().catch(async (error: unknown) => {
      await stop();
      throw error;
    });
  }
  return {
    url: `https://127.0.0.1:${port}`,
    metricsUrl,
    port,
    metricsPort,
    get caBundle() {
      return base64(ca.certificatePem);
    },
    get ca() {
      return ca;
    },
    certDir,
    rotateCertificate: async (signer) => {
      if (signer) ca = signer;
      const serving = await issueServing(ca, 'certguard');
      writeServingFiles(certDir, serving);
      return serving;
    },
    readyz,
    metric: async (name, labels) => sampleOf((await getText(`${metricsUrl}/metrics`)).body, name, labels),
    waitReady,
    servedSerial: () => servedSerialOf(port),
    logs,
    stop,
  };
};
