// A tiny authoritative-looking DNS responder for namespace tests and benches: answers MX for any
// name (`10 mx.<name>.`), A for names starting with `mx.` (the address given on the command line),
// NXDOMAIN for names under `nx.`, and an empty NOERROR otherwise. Names under `none.` have no MX
// either; names under `nullmx.` publish the null MX (`0 .`, RFC 7505). UDP only, one question per query.
// Run: node --import tsx tiny-dns.ts LISTEN_ADDR A_ADDR   (inside a namespace; never on the machine)

import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

const TYPE_A = 1;
const TYPE_MX = 15;

interface Question {
  name: string;
  type: number;
  end: number;
}

function readQuestion(msg: Buffer): Question | null {
  let i = 12;
  const labels: string[] = [];
  while (i < msg.length) {
    const len = msg[i] as number;
    if (len === 0) {
      i++;
      break;
    }
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  if (i + 4 > msg.length) return null;
  return { name: labels.join('.'), type: msg.readUInt16BE(i), end: i + 4 };
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

export function answer(msg: Buffer, aAddr: string): Buffer | null {
  const q = readQuestion(msg);
  if (!q) return null;
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2); // id
  const lower = q.name.toLowerCase();
  const nx = lower.startsWith('nx.');
  let rdata: Buffer | null = null;
  if (lower.startsWith('nullmx.') && q.type === TYPE_MX) rdata = Buffer.from([0, 0, 0]);
  else if (!nx && !lower.startsWith('none.') && q.type === TYPE_MX) rdata = Buffer.concat([Buffer.from([0, 10]), encodeName(`mx.${q.name}`)]);
  if (!nx && q.type === TYPE_A && q.name.toLowerCase().startsWith('mx.')) rdata = Buffer.from(aAddr.split('.').map(Number));
  header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | (nx ? 3 : 0), 2); // QR AA (RD copied) rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdata ? 1 : 0, 6);
  const question = msg.subarray(12, q.end);
  if (!rdata) return Buffer.concat([header, question]);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(q.type, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(60, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([header, question, rr, rdata]);
}

/** Serve on `listen:port` until the socket is closed (port 0: any free port; see address()). */
export function serveTinyDns(listen: string, port: number, aAddr: string): Promise<Socket> {
  const sock = createSocket(listen.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => {
    const out = answer(msg, aAddr);
    if (out) sock.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => sock.bind(port, listen, () => resolve(sock)));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const [listen = '127.0.0.1', aAddr = '127.0.0.1'] = process.argv.slice(2);
  void serveTinyDns(listen, 53, aAddr).then(() => process.stdout.write('ready\n'));
}
