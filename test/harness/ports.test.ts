// The e2e harness's port choice (test/e2e/harness/processes.ts), without starting a cluster.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import t from 'tap';
import { freePort, retryOnPortClash } from '../e2e/harness/processes.ts';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

t.test('freePort: a port that binds, below the ephemeral range', async (t) => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  if (ephemeralLow >= 30_000)
    t.ok(
      ports.every((port) => port >= 20_000 && port < 30_000),
      `all in 20000-29999: ${ports.join(' ')}`,
    );
  else
    t.ok(
      ports.every((port) => port >= ephemeralLow),
      'the kernel picks when its range starts lower',
    );
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  t.teardown(() => server.close());
  t.pass(`port ${ports[0]} binds`);
});

t.test('retryOnPortClash: starts again after a clash, gives up after three, never retries other errors', async (t) => {
  let calls = 0;
  const clashOnce = async () => {
    calls++;
    if (calls === 1) throw new Error('etcd exited during start; log …:\nlisten tcp 127.0.0.1:23456: bind: address already in use');
    return 'started';
  };
  t.equal(await retryOnPortClash(clashOnce), 'started');
  t.equal(calls, 2, 'one retry');

  calls = 0;
  await t.rejects(
    retryOnPortClash(async () => {
      calls++;
      throw new Error('dnsmasq: failed to create listening socket for 127.0.0.1: Address already in use');
    }),
    /Address already in use/,
  );
  t.equal(calls, 3, 'three attempts in all');

  calls = 0;
  await t.rejects(
    retryOnPortClash(async () => {
      calls++;
      throw new Error('kube-apiserver exited during start: invalid flag');
    }),
    /invalid flag/,
  );
  t.equal(calls, 1, 'another failure is not retried');
});
