// A real DNS server for tests: Debian's dnsmasq on a free loopback port, answering only from the
// records given here (no upstream, no /etc/hosts), logging every query so tests can count them.
// Also a UDP "server" that never answers, for the timeout path.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import * as packet from 'dns-packet';
import { freePort, retryOnPortClash } from '../e2e/harness/processes.ts';

const SERVFAIL = 2;

export type CaaRecordInput = { flags?: number; tag: string; value: string };

export type DnsRecord =
  | { name: string; a?: string[]; aaaa?: string[] }
  | { name: string; cname: string }
  | { name: string; caa: CaaRecordInput[] }
  | { name: string; txt: string }
  /** Every query for the name and below it is answered SERVFAIL (records configured below it still answer). */
  | { name: string; servfail: true };

export type Dnsmasq = {
  /** "127.0.0.1:<port>" (or "<node address>:53"), for Resolver.setServers / the resolvers setting. */
  address: string;
  /** Queries received so far (any type), optionally only for one name. */
  queryCount(name?: string): Promise<number>;
  stop(): Promise<void>;
};

// Local records are served with this TTL (dnsmasq's default is 0, which nothing may cache).
export const RECORD_TTL_SECONDS = 60;

const PROBE_NAME = 'probe.dnsmasq.invalid';

const DNSMASQ_PATHS = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq', '/sbin/dnsmasq'];

/** The dnsmasq binary, or a clear error: these tests must fail, not skip, without it. */
export const findDnsmasq = (): string => {
  for (const path of DNSMASQ_PATHS) if (spawnSync(path, ['--version']).status === 0) return path;
  const fromPath = spawnSync('dnsmasq', ['--version']);
  if (fromPath.status === 0) return 'dnsmasq';
  throw new Error('dnsmasq is not installed: the real-DNS tests in test/dns need it. Install it with `apt-get install -y dnsmasq-base` (.ci/run does).');
};

/** CAA RDATA (RFC 8659 §4.1): flags, tag length, tag, value; dnsmasq serves it as a raw RR of type 257. */
const caaRdataHex = ({ flags = 0, tag, value }: CaaRecordInput): string =>
  Buffer.concat([Buffer.from([flags, tag.length]), Buffer.from(tag, 'ascii'), Buffer.from(value, 'utf8')]).toString('hex');

const tldOf = (name: string): string => name.replace(/\.$/, '').split('.').pop() ?? '';

/** Like the real root, the top-level domain of every name served exists (a TXT record there):
 *  CAA's tree walk ends at it, and Boulder takes an NXDOMAIN for a TLD as an error. */
const tldArgs = (records: DnsRecord[]): string[] =>
  [...new Set(records.map((record) => tldOf(record.name)).filter((tld) => tld !== ''))].map((tld) => `--txt-record=${tld},certguard test TLD`);

const recordArgs = (records: DnsRecord[]): string[] =>
  records.flatMap((record) => {
    if ('cname' in record) return [`--cname=${record.name},${record.cname},${RECORD_TTL_SECONDS}`];
    if ('caa' in record) return record.caa.map((caa) => `--dns-rr=${record.name},257,${caaRdataHex(caa)}`);
    if ('txt' in record) return [`--txt-record=${record.name},${record.txt}`];
    if ('servfail' in record) return [];
    const addresses = [...(record.a ?? []), ...(record.aaaa ?? [])];
    return addresses.map((address) => `--host-record=${record.name},${address},${RECORD_TTL_SECONDS}`);
  });

const waitUntilAnswering = async (address: string, child: ChildProcess, logFile: string): Promise<void> => {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([address]);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (child.exitCode !== null) break;
    try {
      await resolver.resolve4(PROBE_NAME);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`dnsmasq did not answer on ${address} (exit code ${child.exitCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`);
};

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
};

/** A UDP server on loopback answering every query SERVFAIL: dnsmasq forwards the failing names to it. */
const startServfailServer = async (): Promise<{ port: number; close(): Promise<void> }> => {
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => {
    // The question echoed (dnsmasq drops an answer to another question), rcode 2, no records.
    const query = packet.decode(message);
    const reply = packet.encode({
      type: 'response',
      id: query.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | SERVFAIL,
      questions: query.questions,
    });
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
};

const servfailArgs = (records: DnsRecord[], port: number): string[] =>
  records.flatMap((record) => ('servfail' in record ? [`--server=/${record.name}/127.0.0.1#${port}`] : []));

/**
 * Where dnsmasq listens: loopback on a free port (the default), or inside a node cluster's network
 * namespace on the node's address and port 53, where pods reach it too (no other DNS runs there).
 */
export type DnsmasqPlacement = { netnsPath: string; address: string };

const startDnsmasqOnce = async (records: DnsRecord[], placement?: DnsmasqPlacement): Promise<Dnsmasq> => {
  const servfail = records.some((record) => 'servfail' in record) ? await startServfailServer() : undefined;
  const binary = findDnsmasq();
  const dir = await mkdtemp(join(tmpdir(), 'certguard-dnsmasq-'));
  const logFile = join(dir, 'queries.log');
  // dnsmasq may drop privileges before opening the log: let whoever it becomes write it.
  await writeFile(logFile, '', { mode: 0o666 });
  const port = placement ? 53 : await freePort();
  const host = placement?.address ?? '127.0.0.1';
  const address = `${host}:${port}`;
  const args = [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    `--port=${port}`,
    `--listen-address=${host}`,
    '--bind-interfaces',
    `--user=${userInfo().username}`,
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    '--log-queries',
    `--log-facility=${logFile}`,
    // Every name not configured here is NXDOMAIN (no upstream is ever asked).
    '--local=/#/',
    `--local-ttl=${RECORD_TTL_SECONDS}`,
    `--host-record=${PROBE_NAME},127.0.0.1`,
    ...tldArgs(records),
    ...recordArgs(records),
    ...(servfail ? servfailArgs(records, servfail.port) : []),
  ];
  const [command, commandArgs] = placement ? ['nsenter', [`--net=${placement.netnsPath}`, '--', binary, ...args]] : [binary, args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitUntilAnswering(address, child, logFile);
  } catch (error) {
    await stopChild(child);
    process.off('exit', killOnExit);
    await servfail?.close();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message} ${stderr.trim()}`);
  }

  return {
    address,
    queryCount: async (name) => {
      const lines = (await readFile(logFile, 'utf8')).split('\n').filter((line) => /query\[[A-Z]+\]/.test(line));
      const counted = lines.filter((line) => !line.includes(PROBE_NAME));
      if (name === undefined) return counted.length;
      return counted.filter((line) => line.includes(`] ${name} from`)).length;
    },
    stop: async () => {
      await stopChild(child);
      process.off('exit', killOnExit);
      await servfail?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/**
 * Starts dnsmasq serving `records`; every other name is NXDOMAIN. Call stop() (t.teardown). Its
 * port is chosen here (--port=0 would turn DNS off), so a port taken first means a fresh start.
 */
export const startDnsmasq = (records: DnsRecord[], placement?: DnsmasqPlacement): Promise<Dnsmasq> =>
  retryOnPortClash(() => startDnsmasqOnce(records, placement));

export type SilentServer = { address: string; received(): number; close(): Promise<void> };

/** A UDP socket on loopback that reads queries and never answers: lookups against it time out. */
export const startSilentServer = async (): Promise<SilentServer> => {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
};
