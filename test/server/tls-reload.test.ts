// Incident 004 applied to certguard itself: a rotated serving certificate is picked up without a
// restart and without failing a request, even on a keep-alive connection that stays open.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect } from 'node:tls';
import t from 'tap';
import { startServer } from '../../src/cli/serve.ts';
import { defaultConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/server/logger.ts';
import { localhostCertificates, mountedSecretDir } from '../helpers/certs.ts';
import { reviewOf } from '../helpers/reviews.ts';

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

/** The serial a NEW TLS handshake is answered with. */
const handshakeSerial = (port: number, ca: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });

const socketsUsed = new Set<unknown>();

const postReview = (port: number, agent: Agent): Promise<{ status: number; allowed: boolean }> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify(reviewOf({}));
    const req = request(
      { host: '127.0.0.1', port, servername: 'localhost', path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allowed: JSON.parse(text).response.allowed }));
      },
    );
    req.on('socket', (socket) => socketsUsed.add(socket));
    req.on('error', reject);
    req.end(body);
  });

const eventually = async (predicate: () => Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

t.test('a symlink-swapped certificate is served by the next handshake; the open keep-alive connection keeps working', async (t) => {
  const first = await localhostCertificates();
  const second = await localhostCertificates();
  const mount = await mountedSecretDir(first.serving);
  const manifests = await mkdtemp(join(tmpdir(), 'certguard-view-'));
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const server = await startServer({
    port: 0,
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    certPath: mount.certPath,
    keyPath: mount.keyPath,
    config: defaultConfig(),
    manifests,
    logger: createLogger('info', sink),
    certPollIntervalMs: 200,
  });
  t.teardown(async () => {
    await server.close();
    await mount.cleanup();
    await rm(manifests, { recursive: true, force: true });
  });
  const port = server.ports.admission;
  const cas = [first.ca.certificatePem, second.ca.certificatePem];
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: cas });
  t.teardown(() => agent.destroy());

  t.equal(await handshakeSerial(port, cas), serialOf(first.serving.certificatePem), 'serves the first certificate');
  const before = await postReview(port, agent);
  t.same([before.status, before.allowed], [200, true]);

  await mount.publish({ cert: second.serving.certificatePem, key: second.serving.privateKeyPem });
  const during: Array<{ status: number }> = [];
  await eventually(async () => {
    during.push(await postReview(port, agent));
    return (await handshakeSerial(port, cas)) === serialOf(second.serving.certificatePem);
  }, 'the new certificate');
  t.ok(
    during.every((response) => response.status === 200),
    `every request during the rotation succeeded (${during.length})`,
  );
  t.equal(socketsUsed.size, 1, 'all requests went over the one keep-alive connection: nothing was dropped');

  await mount.publish({ cert: 'not a certificate', key: 'not a key' });
  await eventually(async () => lines.some((line) => line.includes('keeping the last good one')), 'the failed read to be logged');
  await new Promise((resolve) => setTimeout(resolve, 600)); // several poll rounds
  t.equal(await handshakeSerial(port, cas), serialOf(second.serving.certificatePem), 'a broken update keeps the last good certificate');
  t.equal(lines.filter((line) => line.includes('cannot read serving certificate')).length, 1, 'the failure is logged once, not every poll');
  t.equal((await postReview(port, agent)).status, 200);
});

t.test('starts without a certificate, is not ready, and becomes ready when the files appear', async (t) => {
  const pair = await localhostCertificates();
  const manifests = await mkdtemp(join(tmpdir(), 'certguard-view-'));
  const dir = await mkdtemp(join(tmpdir(), 'certguard-nocert-'));
  const server = await startServer({
    port: 0,
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    certPath: join(dir, 'tls.crt'),
    keyPath: join(dir, 'tls.key'),
    config: defaultConfig(),
    manifests,
    logger: createLogger('silent'),
    certPollIntervalMs: 100,
  });
  t.teardown(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(manifests, { recursive: true, force: true });
  });
  const readyz = async () => {
    const response = await fetch(`http://127.0.0.1:${server.ports.metrics}/readyz`);
    return { status: response.status, body: await response.json() };
  };
  t.same(await readyz(), {
    status: 503,
    body: { status: 'not ready', notReady: [`serving certificate: cannot load ${join(dir, 'tls.crt')} / ${join(dir, 'tls.key')}`] },
  });
  const { writeCertificates } = await import('../../src/cli/certs.ts');
  await writeCertificates(dir, pair);
  await eventually(async () => (await readyz()).status === 200, 'readiness');
  t.equal(await handshakeSerial(server.ports.admission, [pair.ca.certificatePem]), serialOf(pair.serving.certificatePem));
});
