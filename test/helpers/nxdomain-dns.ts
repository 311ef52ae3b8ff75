// A DNS server on 127.0.0.1 that answers every query NXDOMAIN at once: certificate-dns gets a
// real, immediate answer in load and fuzz runs, and no query leaves the machine.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export type StubDns = { server: string; close: () => Promise<void> };

export const startNxdomainDns = async (): Promise<StubDns> => {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    const answer = Buffer.from(query);
    // QR=1, opcode and RD copied, RA=1, RCODE=3 (NXDOMAIN); no answer, authority or additional records.
    answer[2] = 0x80 | (query[2]! & 0x79);
    answer[3] = 0x80 | 0x03;
    answer.writeUInt16BE(0, 6);
    answer.writeUInt16BE(0, 8);
    answer.writeUInt16BE(0, 10);
    socket.send(answer.subarray(0, questionEnd(query)), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${(socket.address() as AddressInfo).port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) };
};

/** The end of the first question (name, type, class): the rest of the query is dropped. */
const questionEnd = (query: Buffer): number => {
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) offset += (query[offset] as number) + 1;
  return Math.min(query.length, offset + 5);
};
