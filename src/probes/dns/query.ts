// One DNS question with one try and a hard time limit. On the host itself (HostFs root `/`) Node's
// own resolver asks the nameservers in resolv.conf: no process to spawn. Aimed at another root
// (the lab's seam), `dig` through the executor, so the question leaves from that host's network.

import { Resolver } from 'node:dns/promises';
import { probeBudget, runProbeCommand } from '../budget.js';
import { parseDig, parseResolvConf } from './dig.js';
import type { DnsAnswer } from './dig.js';
import type { ProbeContext } from '../types.js';

export async function queryDns(ctx: ProbeContext, name: string, type: 'MX' | 'A' | 'AAAA', wantedMs: number): Promise<DnsAnswer> {
  const budget = probeBudget(ctx, wantedMs);
  // dig waits whole seconds; keep its wait inside our budget.
  const seconds = Math.max(1, Math.floor((budget - 200) / 1000));
  if (ctx.fs.root !== '/' && ctx.exec.has('dig')) {
    const r = await runProbeCommand(ctx, ['dig', `+time=${seconds}`, '+tries=1', '+noall', '+comments', '+answer', type, name], budget);
    if (r.timedOut) return { status: 'timeout', records: [], detail: `dig gave no answer within ${budget} ms` };
    return parseDig(r.stdout, type);
  }
  return nodeQuery(ctx, name, type, budget);
}

async function nodeQuery(ctx: ProbeContext, name: string, type: 'MX' | 'A' | 'AAAA', budget: number): Promise<DnsAnswer> {
  const servers = parseResolvConf((await ctx.fs.tryReadText('/etc/resolv.conf').catch(() => null)) ?? '');
  if (servers.length === 0) return { status: 'error', records: [], detail: 'no nameserver in /etc/resolv.conf' };
  return resolveInProcess(servers.slice(0, 1), name, type, budget);
}

/** One question to `servers` (`10.0.0.53`, `127.0.0.1:5353`), one try, answered within `budget`. */
export async function resolveInProcess(servers: string[], name: string, type: 'MX' | 'A' | 'AAAA', budget: number): Promise<DnsAnswer> {
  const resolver = new Resolver({ timeout: Math.max(100, budget - 100), tries: 1 });
  resolver.setServers(servers);
  const timer = setTimeout(() => resolver.cancel(), budget);
  try {
    if (type === 'MX') {
      const mx = await resolver.resolveMx(name);
      return { status: mx.length > 0 ? 'ok' : 'nodata', records: mx.map((m) => `${m.priority} ${m.exchange}.`), detail: `${mx.length} MX record(s)` };
    }
    const addrs = type === 'A' ? await resolver.resolve4(name) : await resolver.resolve6(name);
    return { status: addrs.length > 0 ? 'ok' : 'nodata', records: addrs, detail: `${addrs.length} ${type} record(s)` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOTFOUND') return { status: 'nxdomain', records: [], detail: 'NXDOMAIN: the name does not exist' };
    if (code === 'ENODATA') return { status: 'nodata', records: [], detail: `no ${type} record` };
    if (code === 'ETIMEOUT' || code === 'ECANCELLED' || code === 'ECONNREFUSED') return { status: 'timeout', records: [], detail: `${servers.join(', ')}: no answer (${code})` };
    if (code === 'ESERVFAIL') return { status: 'servfail', records: [], detail: 'SERVFAIL' };
    return { status: 'error', records: [], detail: code || (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
