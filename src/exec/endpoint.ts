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
