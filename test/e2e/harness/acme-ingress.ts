// The ACME side of a cluster as the issuance scenarios need it: dnsmasq with the scenario's names,
// pebble resolving through it, a cluster with kube-controller-manager (it creates the ServiceAccounts
// cert-manager's solver Pods need before they are stored) and Traefik as the Gateway controller.
// Everything is stopped by the test's teardown, last started first.
import { startDnsmasq, type DnsRecord, type Dnsmasq } from '../../dns/dnsmasq.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { startPebble, type Pebble } from './pebble.ts';
import { startTraefik, type Traefik } from './traefik.ts';

export type AcmeIngress = { dns: Dnsmasq; pebble: Pebble; cluster: Cluster; traefik: Traefik };

export const startAcmeIngress = async (t: { teardown(fn: () => unknown): void }, records: DnsRecord[]): Promise<AcmeIngress> => {
  const dns = await startDnsmasq(records);
  t.teardown(() => dns.stop());
  const pebble = await startPebble({ dnsServer: dns.address });
  t.teardown(() => pebble.stop());
  const cluster = await startCluster({ controllerManager: true });
  t.teardown(() => cluster.stop());
  const traefik = await startTraefik(cluster);
  t.teardown(() => traefik.stop());
  return { dns, pebble, cluster, traefik };
};
