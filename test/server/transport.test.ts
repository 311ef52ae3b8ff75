// The transport kube-apiserver relies on: TLS 1.2 or newer, and connections kept longer than
// its Go client keeps them idle (90 s).
import { connect } from 'node:tls';
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { buildApp } from '../../src/server/app.ts';
import { tlsOptions } from '../../src/server/cert-watcher.ts';
import { createLogger } from '../../src/server/logger.ts';
import { localhostCertificates } from '../helpers/certs.ts';

const startHttps = async () => {
  const pair = await localhostCertificates();
  const app = buildApp({
    policies: [],
    view: new ManifestView(),
    logger: createLogger('silent'),
    https: tlsOptions({ cert: pair.serving.certificatePem, key: pair.serving.privateKeyPem }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return { app, port: (app.server.address() as { port: number }).port, ca: pair.ca.certificatePem };
};

const handshake = (port: number, ca: string, maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1', maxVersion }, () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code}`));
  });

t.test('TLS 1.2 and 1.3 are served; TLS 1.1 is refused', async (t) => {
  const { port, ca } = await startHttps();
  t.equal(await handshake(port, ca, 'TLSv1.3'), 'TLSv1.3');
  t.equal(await handshake(port, ca, 'TLSv1.2'), 'TLSv1.2');
  t.match(await handshake(port, ca, 'TLSv1.1'), /^refused: /);
});

t.test('idle keep-alive connections outlive the API server client (Go idle timeout 90 s)', async (t) => {
  const { app } = await startHttps();
  t.equal(app.server.keepAliveTimeout, 120_000);
  t.ok(app.server.keepAliveTimeout > 90_000);
});
