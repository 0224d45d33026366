// Does a service smtpd depends on answer? A TCP or unix-socket connect, in process, bounded: the
// same question smtpd asks a milter, a policy service or Dovecot's auth socket before it can
// accept a mail. Nothing is sent; the connection is closed at once.

import { Socket } from 'node:net';

export type Endpoint = { transport: 'inet'; host: string; port: number } | { transport: 'unix'; path: string };

export interface EndpointAnswer {
  answers: boolean;
  /** errno code (ECONNREFUSED, ENOENT, ETIMEDOUT …) or `connected`. */
  detail: string;
  ms: number;
}

export function connectEndpoint(endpoint: Endpoint, timeoutMs: number): Promise<EndpointAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const finish = (answers: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, detail, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false, 'ETIMEDOUT'), Math.max(1, timeoutMs));
    socket.on('connect', () => finish(true, 'connected'));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
    if (endpoint.transport === 'inet') socket.connect({ host: endpoint.host, port: endpoint.port });
    else socket.connect({ path: endpoint.path });
  });
}

/**
 * How to tell that the right daemon answers, not only that something accepts connections:
 *   milter        an SMTP-less option negotiation (SMFIC_OPTNEG), as cleanup and smtpd open every
 *                 milter session; a milter answers with its own (SMFIC_OPTNEG), then we quit.
 *   dovecot-auth  Dovecot's auth server greets a client first (VERSION, MECH…, DONE): read its
 *                 VERSION line, send nothing.
 *   connect       nothing is sent (a policy server may count or store any request it gets).
 */
export type EndpointProtocol = 'connect' | 'milter' | 'dovecot-auth';

// Postfix 3.x speaks milter protocol version 6; all actions and protocol steps offered, so any milter accepts.
const MILTER_OPTNEG = (() => {
  const body = Buffer.alloc(13);
  body.write('O', 0, 'latin1');
  body.writeUInt32BE(6, 1);
  body.writeUInt32BE(0x1ff, 5);
  body.writeUInt32BE(0x1fffff, 9);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
})();
const MILTER_QUIT = Buffer.from([0, 0, 0, 1, 'Q'.charCodeAt(0)]);

export function greetEndpoint(endpoint: Endpoint, protocol: EndpointProtocol, timeoutMs: number): Promise<EndpointAnswer> {
  if (protocol === 'connect') return connectEndpoint(endpoint, timeoutMs);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    let received = Buffer.alloc(0);
    const finish = (answers: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (answers && protocol === 'milter') socket.end(MILTER_QUIT);
      else socket.destroy();
      setTimeout(() => socket.destroy(), 500).unref();
      resolve({ answers, detail, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false, received.length > 0 || socket.readyState === 'open' ? 'connected, but no answer in its protocol in time' : 'ETIMEDOUT'), Math.max(1, timeoutMs));
    socket.on('connect', () => {
      if (protocol === 'milter') socket.write(MILTER_OPTNEG);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]).subarray(0, 4096);
      if (protocol === 'milter') {
        if (received.length < 5) return;
        const cmd = String.fromCharCode(received[4] as number);
        finish(cmd === 'O', cmd === 'O' ? 'answers a milter option negotiation' : `answered the milter negotiation with ${JSON.stringify(cmd)}, not "O"`);
      } else {
        const text = received.toString('latin1');
        if (!text.includes('\n')) return;
        const first = text.slice(0, text.indexOf('\n'));
        finish(/^VERSION\t1\t\d+$/.test(first), /^VERSION\t1\t/.test(first) ? 'greets as a Dovecot auth server' : `greeted with ${JSON.stringify(first.slice(0, 40))}, not Dovecot's VERSION line`);
      }
    });
    socket.on('close', () => finish(false, received.length > 0 ? 'closed after a partial answer' : 'closed without answering'));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
    if (endpoint.transport === 'inet') socket.connect({ host: endpoint.host, port: endpoint.port });
    else socket.connect({ path: endpoint.path });
  });
}
