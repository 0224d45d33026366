// One DNS question with one try and a hard time limit. `dig` when installed (it runs through the
// executor, so in the lab it asks the namespace host's resolver); otherwise Node's resolver,
// pointed at the nameservers in the host's resolv.conf.

import { Resolver } from 'node:dns/promises';
import { probeBudget, runProbeCommand } from '../budget.js';
import { parseDig, parseResolvConf } from './dig.js';
import type { DnsAnswer } from './dig.js';
import type { ProbeContext } from '../types.js';

export async function queryDns(ctx: ProbeContext, name: string, type: 'MX' | 'A' | 'AAAA', wantedMs: number): Promise<DnsAnswer> {
  const budget = probeBudget(ctx, wantedMs);
  // dig waits whole seconds; keep its wait inside our budget.
  const seconds = Math.max(1, Math.floor((budget - 200) / 1000));
  if (ctx.exec.has('dig')) {
    const r = await runProbeCommand(ctx, ['dig', `+time=${seconds}`, '+tries=1', '+noall', '+comments', '+answer', type, name], budget);
    if (r.timedOut) return { status: 'timeout', records: [], detail: `dig gave no answer within ${budget} ms` };
    return parseDig(r.stdout, type);
  }
  return nodeQuery(ctx, name, type, budget);
}

async function nodeQuery(ctx: ProbeContext, name: string, type: 'MX' | 'A' | 'AAAA', budget: number): Promise<DnsAnswer> {
  const servers = parseResolvConf((await ctx.fs.tryReadText('/etc/resolv.conf').catch(() => null)) ?? '');
  if (servers.length === 0) return { status: 'error', records: [], detail: 'no nameserver in /etc/resolv.conf' };
  const resolver = new Resolver({ timeout: Math.max(100, budget - 100), tries: 1 });
  resolver.setServers(servers.slice(0, 1));
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
    if (code === 'ENOTFOUND') return { status: 'nxdomain', records: [], detail: 'NXDOMAIN' };
    if (code === 'ENODATA') return { status: 'nodata', records: [], detail: `no ${type} record` };
    if (code === 'ETIMEOUT' || code === 'ECANCELLED' || code === 'ECONNREFUSED') return { status: 'timeout', records: [], detail: `${servers[0]}: ${code}` };
    if (code === 'ESERVFAIL') return { status: 'servfail', records: [], detail: 'SERVFAIL' };
    return { status: 'error', records: [], detail: code || (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
