// Shutdown drains instead of refusing: the API server keeps its keep-alive connection to a pod
// after the pod leaves the Service's endpoints, and client-go does not retry a POST that failed
// (k8s.io/client-go v0.36 rest/request.go and with_retry.go: connection errors are retried for GETs
// only, a 5xx only when it carries Retry-After, which fastify's 503 does not). A review that
// reaches a closing server on such a connection must get its real answer, with `Connection:
// close` so the client's next review opens a connection the Service sends to another pod.
// Two reviews on one socket stand for that connection: the first is held in a policy while the
// server starts closing, the second is sent then.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { Policy } from '../../src/policies/types.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';

const REVIEW = readFileSync(join(import.meta.dirname, '../../examples/reviews/gateway-ok.json'), 'utf8');

const held = (): { policy: Policy; entered: Promise<void>; release: () => void } => {
  let release = () => {};
  let enter = () => {};
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const policy: Policy = {
    id: 'held',
    mode: 'enforce',
    admission: 'validating',
    matches: () => true,
    check: async () => {
      if (first) {
        first = false;
        enter();
        await gate;
      }
      return { violations: [], warnings: [] };
    },
  };
  return { policy, entered, release };
};

const post = (body: string) =>
  `POST /validate HTTP/1.1\r\nHost: certguard\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

t.test('a review on a kept-alive connection while the server closes gets its answer, then the connection closes', async (t) => {
  const { policy, entered, release } = held();
  const app = buildApp({ policies: [policy], view: new ManifestView(), logger: createLogger('silent') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;

  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(post(REVIEW));
  await entered;
  const closed = app.close();
  // Sent on the same connection once the server is closing, as the API server's next review would be.
  socket.write(post(REVIEW));
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();
  await closed;
  await ended;

  const responses = received.split(/(?=HTTP\/1\.1 )/);
  t.same(
    responses.map((response) => response.split('\r\n')[0]),
    ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'],
    'both reviews answered, none refused with 503',
  );
  t.match(responses[1], /\r\nconnection: close\r\n/i, 'the answer given while closing tells the client to reconnect');
  t.match(responses[1], /"allowed":true/, 'the real verdict');
});
