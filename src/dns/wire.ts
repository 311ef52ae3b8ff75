// CAA queries on the wire, parsed with dns-packet: node's resolveCaa (c-ares) rejects a whole
// answer with EBADRESP when one record has an empty value (`0 issue ""`), which RFC 8659 §4.1
// allows. UDP first, TCP when the answer is truncated (RFC 7766 §5); each server in turn, once.
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import * as packet from 'dns-packet';

export type DnsServer = { host: string; port: number };

/** One CAA record as served (RFC 8659 §4.1): the whole flags byte, the tag as written. */
export type WireCaa = { flags: number; tag: string; value: string; ttl: number };

export type WireAnswer = { rcode: string; records: WireCaa[] };

/** Why no usable answer came: node's codes (ETIMEOUT, ESERVFAIL, EREFUSED, EBADRESP, ECONNREFUSED...). */
export class DnsQueryError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}

// Boulder asks with the same EDNS size: a large CAA set then still fits one UDP answer.
const UDP_PAYLOAD_SIZE = 4096;

/** "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53": the forms node's getServers() prints. */
export const parseServer = (text: string): DnsServer => {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(text);
  if (bracketed) return { host: bracketed[1] as string, port: Number(bracketed[2]) };
  if (isIP(text) !== 0) return { host: text, port: 53 };
  const [host = '', port = '53'] = text.split(':');
  return { host, port: Number(port) };
};

const codeOf = (error: unknown): string => (error as { code?: string } | undefined)?.code ?? 'EUNKNOWN';

/** Resolves with the reply, rejects with a DnsQueryError; never outlives `deadline`. */
const withDeadline = (deadline: number, run: (done: (error?: Error, reply?: Buffer) => void) => () => void): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    let cleanup = (): void => undefined;
    let settled = false;
    const done = (error?: Error, reply?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      if (error || !reply) reject(error instanceof DnsQueryError ? error : new DnsQueryError(codeOf(error)));
      else resolve(reply);
    };
    const timer = setTimeout(() => done(new DnsQueryError('ETIMEOUT')), Math.max(0, deadline - Date.now()));
    cleanup = run(done);
  });

const askUdp = (server: DnsServer, query: Buffer, id: number, deadline: number): Promise<Buffer> =>
  withDeadline(deadline, (done) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    socket.on('message', (message, from) => {
      // Only the server's answer to this query counts (a stray or spoofed datagram is ignored).
      if (from.port === server.port && message.length >= 2 && message.readUInt16BE(0) === id) done(undefined, message);
    });
    socket.on('error', (error) => done(error));
    socket.send(query, server.port, server.host, (error) => error && done(error));
    return () => socket.close();
  });

const askTcp = (server: DnsServer, query: Buffer, deadline: number): Promise<Buffer> =>
  withDeadline(deadline, (done) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const length = received.length >= 2 ? received.readUInt16BE(0) : Infinity;
      if (received.length >= 2 + length) done(undefined, received.subarray(2, 2 + length));
    });
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new DnsQueryError('ECONNRESET')));
    socket.connect(server.port, server.host, () => socket.write(query));
    return () => socket.destroy();
  });

const decodeReply = (reply: Buffer, id: number): packet.DecodedPacket => {
  try {
    const decoded = packet.decode(reply);
    if (decoded.id !== id) throw new Error('id');
    return decoded;
  } catch {
    throw new DnsQueryError('EBADRESP');
  }
};

const caaOf = (decoded: packet.DecodedPacket): WireCaa[] =>
  (decoded.answers ?? []).flatMap((answer) => {
    // Every CAA record of the answer counts, whichever owner: the resolver chased the aliases (Boulder does the same).
    if (answer.type !== 'CAA') return [];
    const { flags = 0, tag, value } = answer.data;
    return [{ flags, tag, value, ttl: answer.ttl ?? 0 }];
  });

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const rcodeName = (rcode: number): string => RCODES[rcode] ?? `RCODE${rcode}`;

/** One exchange with one server: UDP, then TCP when the UDP answer is truncated. */
const exchange = async (server: DnsServer, name: string, deadline: number): Promise<WireAnswer> => {
  const id = randomInt(0, 0x10000);
  const message: packet.Packet = {
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: 'CAA', name }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  };
  let decoded = decodeReply(await askUdp(server, packet.encode(message), id, deadline), id);
  if (decoded.flag_tc) decoded = decodeReply(await askTcp(server, packet.streamEncode(message), deadline), id);
  return { rcode: rcodeName((decoded.flags ?? 0) & 0xf), records: caaOf(decoded) };
};

const ANSWERED = new Set(['NOERROR', 'NXDOMAIN']);

/** node's code for a failing rcode (ESERVFAIL, EREFUSED...), as c-ares reports it. */
const rcodeError = (rcode: string): DnsQueryError => new DnsQueryError(`E${rcode}`);

/** Asks each server once, in order, until one answers (NOERROR or NXDOMAIN); each gets `timeoutMs`. */
export const queryCaa = async (servers: DnsServer[], name: string, timeoutMs: number): Promise<WireAnswer> => {
  let last = new DnsQueryError('ECONNREFUSED');
  for (const server of servers) {
    try {
      const answer = await exchange(server, name, Date.now() + timeoutMs);
      if (ANSWERED.has(answer.rcode)) return answer;
      last = rcodeError(answer.rcode);
    } catch (error) {
      last = error instanceof DnsQueryError ? error : new DnsQueryError(codeOf(error));
    }
  }
  throw last;
};
