// pebble, the ACME test server (Debian package `pebble`), on a free loopback port: a real ACME
// directory for cert-manager's ACME issuer, validating against the suite's dnsmasq.
//
//   const pebble = await startPebble({ dnsServer: dns.address });
//   t.teardown(() => pebble.stop());
//   issuer spec: { acme: { server: pebble.directoryUrl, skipTLSVerify: true, ... } }
//
// startPebble(options) → Pebble:
//   directoryUrl   https://127.0.0.1:<port>/dir (serving certificate from a throwaway CA: caPem)
//   caPem          that CA, for clients that verify (cert-manager's issuer may use caBundle)
//   httpPort       the port pebble's VA connects to for HTTP-01 (nothing listens there unless a
//                  test starts something)
//   rootPem()      the root pebble signs with (its management /roots/0; new on every start)
//   logs(), stop()
// Options: dnsServer ("127.0.0.1:<port>", pebble's -dnsserver), httpPort (default a free port),
// validitySeconds (its certificateValidityPeriod; default: pebble's own).
// PEBBLE_VA_NOSLEEP=1: no random validation delay; PEBBLE_WFE_NONCEREJECT=0: no random bad-nonce
// rejections (pebble injects both by default to exercise clients' retries; they make tests slow
// and flaky without testing certguard).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { withoutProxies } from './cluster.ts';
import { issueCa, issueServing } from './pki.ts';
import { freePort, makeTempDir, retryOnPortClash, startProcess, stopOnce, tailOf, waitFor } from './processes.ts';

export const PEBBLE = process.env.PEBBLE ?? '/usr/bin/pebble';

export type PebbleOptions = { dnsServer: string; httpPort?: number; validitySeconds?: number };

export type Pebble = { directoryUrl: string; caPem: string; httpPort: number; rootPem(): Promise<string>; logs(): string; stop(): Promise<void> };

const get = (url: string, caPem: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });

const statusOf = async (url: string, caPem: string): Promise<number> => (await get(url, caPem)).status;

const startPebbleOnce = async (options: PebbleOptions): Promise<Pebble> => {
  if (!existsSync(PEBBLE)) throw new Error(`pebble is not installed (${PEBBLE}): install it with \`apt-get install -y pebble\` (.ci/run does)`);
  const dir = makeTempDir('pebble');
  const ca = await issueCa('certguard-e2e-pebble-ca');
  const serving = await issueServing(ca, 'pebble');
  writeFileSync(join(dir, 'cert.pem'), serving.certificatePem);
  writeFileSync(join(dir, 'key.pem'), serving.privateKeyPem, { mode: 0o600 });
  const port = await freePort();
  const managementPort = await freePort();
  const httpPort = options.httpPort ?? (await freePort());
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${port}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: join(dir, 'cert.pem'),
      privateKey: join(dir, 'key.pem'),
      httpPort,
      tlsPort: await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
    },
  };
  writeFileSync(join(dir, 'pebble-config.json'), JSON.stringify(config, null, 2));
  const logFile = join(dir, 'pebble.log');
  const env = { ...withoutProxies(), PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' };
  const child = startProcess(PEBBLE, ['-config', join(dir, 'pebble-config.json'), '-dnsserver', options.dnsServer], { logFile, env, cwd: dir });
  const stop = stopOnce(child, dir);
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  await waitFor('pebble /dir', async () => ((await statusOf(directoryUrl, ca.certificatePem)) === 200 ? true : undefined), {
    timeoutMs: 30_000,
    stopIf: () => (child.isRunning() ? undefined : `pebble exited:\n${tailOf(logFile)}`),
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const logs = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const rootPem = async () => {
    const root = await get(`https://127.0.0.1:${managementPort}/roots/0`, ca.certificatePem);
    if (root.status !== 200) throw new Error(`pebble /roots/0 answered ${root.status}: ${root.body}`);
    return root.body;
  };
  return { directoryUrl, caPem: ca.certificatePem, httpPort, rootPem, logs, stop };
};

// The directory URL is built from the port pebble is given before it starts.
export const startPebble = (options: PebbleOptions): Promise<Pebble> => retryOnPortClash(() => startPebbleOnce(options));
