// Which address of this machine a connection to `address` would leave from, asked of the
// routing table through a connected UDP socket (no packet is sent). Null when there is no route
// (a machine without IPv6 asked to reach an AAAA address).

import { isIP } from 'node:net';

export interface Route {
  /** This machine's source address towards it; null: no route. */
  source: string | null;
  /** errno when there is no route. */
  error?: string;
}

export async function routeTo(address: string): Promise<Route> {
  // Loaded when asked: a probe where every port greets never needs it.
  const { createSocket } = await import('node:dgram');
  return new Promise((resolve) => {
    const family = isIP(address) === 6 ? 'udp6' : 'udp4';
    let socket;
    try {
      socket = createSocket(family);
    } catch (e) {
      resolve({ source: null, error: (e as NodeJS.ErrnoException).code ?? String(e) });
      return;
    }
    const done = (r: Route): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    socket.on('error', (e: NodeJS.ErrnoException) => done({ source: null, error: e.code ?? e.message }));
    socket.connect(9, address, (e?: Error) => {
      if (e) return done({ source: null, error: (e as NodeJS.ErrnoException).code ?? e.message });
      try {
        done({ source: socket.address().address });
      } catch (err) {
        done({ source: null, error: (err as NodeJS.ErrnoException).code ?? String(err) });
      }
    });
  });
}
