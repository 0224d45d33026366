import type { Host } from './host-types.js';

export interface Listener {
  // Local address as ss prints it: 0.0.0.0, 127.0.0.1, [::], [::1], ...
  address: string;
  port: number;
  // Process names and host-namespace pids holding the socket (empty if ss cannot tell).
  processes: { name: string; pid: number }[];
}

// TCP listeners inside the host (ss -ltnp), optionally only those on one port.
export async function listeners(host: Host, port?: number): Promise<Listener[]> {
  const result = await host.execOk(['ss', '-H', '-l', '-t', '-n', '-p'], { timeoutMs: 10_000 });
  const found: Listener[] = [];
  for (const line of result.stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local) continue;
    const sep = local.lastIndexOf(':');
    const lport = Number(local.slice(sep + 1));
    if (port !== undefined && lport !== port) continue;
    const processes = [...line.matchAll(/\("([^"]+)",pid=(\d+)/g)].map((m) => ({ name: m[1] ?? '', pid: Number(m[2]) }));
    found.push({ address: local.slice(0, sep), port: lport, processes });
  }
  return found;
}
