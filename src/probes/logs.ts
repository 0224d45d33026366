// Known failure patterns in Postfix's log: a bind conflict, IPv6 missing, an interface that is
// not there, clients dropping right after CONNECT, the content filter down, main.cf unreadable.

import { isLoopbackIp } from '../facts/cidr.js';
import { ok, problem, unknown } from './finding.js';
import { contentFilterTarget } from './content-filter-target.js';
import { scanLogLines } from './logs/patterns.js';
import { readLogTails } from './logs/sources.js';
import type { LogEvent } from './logs/patterns.js';
import type { Finding, Probe, ProbeContext } from './types.js';

/** "lost connection after CONNECT" this often (within the window) is a pattern, not noise. */
const LOST_AFTER_CONNECT_MIN = 3;
/** Distinct remote hosts timing out on port 25 before we call it an outbound block. */
const OUTBOUND_TIMEOUT_HOSTS_MIN = 3;

export const logsProbe: Probe = {
  name: 'logs',
  description: 'known failure patterns in the mail log',
  timeoutMs: 2_500,
  causes: ['port-held-by-mta', 'port-held-by-unknown', 'inet-protocols-ipv6-missing', 'inet-interfaces-unknown-address', 'master-pid-locked', 'clients-disconnect-early', 'content-filter-down', 'outbound-smtp-blocked', 'main-cf-permissions', 'postfix-config-invalid'],
  async run(ctx) {
    if (!ctx.facts.postfix.installed) return [];
    const { tails, problems } = await readLogTails(ctx);
    if (tails.length === 0) {
      return [unknown('logs', 'no Postfix log found to read', [...problems, 'without syslog, Postfix logs nowhere unless maillog_file is set (Postfix ≥ 3.4)'])];
    }
    const now = Date.now();
    const out: Finding[] = [];
    for (const tail of tails) out.push(...judge(ctx, tail.source, scanLogLines(tail.lines, now)));
    if (out.length === 0) out.push(ok('logs', 'no known failure patterns in the mail log', tails.map((t) => `${t.source}: last ${t.lines.length} lines read`)));
    return out;
  },
};

function judge(ctx: ProbeContext, source: string, events: LogEvent[]): Finding[] {
  const { facts } = ctx;
  const out: Finding[] = [];
  const of = (id: LogEvent['id']): LogEvent[] => events.filter((e) => e.id === id);
  const quote = (es: LogEvent[], n = 3): string[] => es.slice(-n).map((e) => `${source}: ${e.line}`);

  // A log line is history: it names a cause only while the live state still shows it. (Once the
  // other MTA is gone, "the last start failed: port 25 in use" must not keep a fixed host broken.)
  const binds = of('bind-conflict');
  if (binds.length > 0 && !facts.postfix.running) {
    const port = Number(binds[binds.length - 1]?.detail.port);
    const holder = facts.listeners.find((l) => l.port === port && l.process !== 'master');
    const mta = holder ? facts.otherMtas.find((m) => m.pid === holder.pid) : undefined;
    if (holder) out.push(problem('fail', 'logs', mta ? 'port-held-by-mta' : 'port-held-by-unknown', quote(binds), { title: `the last start failed: port ${port} was already in use` }));
  }
  const v6 = of('ipv6-disabled');
  if (v6.length > 0 && !facts.network.ipv6Available) out.push(problem('warn', 'logs', 'inet-protocols-ipv6-missing', quote(v6), { title: 'Postfix logged that IPv6 is unavailable' }));
  const noIf = of('no-local-interface').filter((e) => e.detail.address !== '::1');
  if (noIf.length > 0) out.push(problem('fail', 'logs', 'inet-interfaces-unknown-address', quote(noIf)));
  const already = of('already-running');
  const foreignLock = facts.masterPid.lockHolder !== null && facts.masterPid.lockHolder.process !== 'master';
  if (already.length > 0 && !facts.postfix.running && foreignLock) out.push(problem('fail', 'logs', 'master-pid-locked', quote(already), { title: '`postfix start` said "already running" while no master runs' }));
  // Connections from this host itself (monitoring, a triage script's `nc -z`) are not clients.
  const own = new Set(facts.network.interfaces.flatMap((i) => i.addresses.map((x) => x.address)));
  const lost = of('lost-after-connect').filter((e) => {
    const ip = /\[([^\]]+)\]/.exec(e.detail.client ?? '')?.[1] ?? '';
    return !own.has(ip) && !isLoopbackIp(ip);
  });
  if (lost.length >= LOST_AFTER_CONNECT_MIN) {
    const clients = [...new Set(lost.map((e) => e.detail.client))].slice(0, 5);
    out.push(
      problem('warn', 'logs', 'clients-disconnect-early', [`${lost.length} times in the last day, from ${clients.join(', ')}`, ...quote(lost, 2)], {
        human: {
          reason: 'the clients hang up, not Postfix: the cause is on their side or in between',
          steps: [
            'Known health checks (load balancer, monitoring) that only open a TCP connection: harmless, exclude them from alerting',
            'Real senders: check for a middlebox rewriting SMTP (Cisco "ESMTP inspection"), MTU/PMTU problems, or a greeting delayed by slow DNS',
            'Scanners: nothing to fix; postscreen can keep them away from smtpd',
          ],
        },
      }),
    );
  }
  const connects = of('connect-failed');
  const target = contentFilterTarget(facts.postfix.params.content_filter ?? '');
  const cf = target?.kind === 'inet' ? target : null;
  const filterDown = cf ? connects.filter((e) => e.detail.port === String(cf.port) && (e.detail.address === cf.host || e.detail.name === cf.host)) : [];
  if (cf && filterDown.length > 0) out.push(problem('fail', 'logs', 'content-filter-down', quote(filterDown), { title: `Postfix cannot reach its content filter ${cf.host}:${cf.port}` }));
  const port25 = connects.filter((e) => e.detail.port === '25' && /timed out|unreachable|No route/i.test(e.detail.error ?? ''));
  const remoteHosts = new Set(port25.map((e) => e.detail.address));
  if (remoteHosts.size >= OUTBOUND_TIMEOUT_HOSTS_MIN) {
    out.push(problem('warn', 'logs', 'outbound-smtp-blocked', [`outgoing connections to port 25 of ${remoteHosts.size} different servers time out`, ...quote(port25, 2)], { title: 'outgoing mail times out on port 25 (see the outbound check)' }));
  }
  const relayFatal = of('relay-restrictions-fatal');
  if (relayFatal.length > 0 && !facts.relay.restrictionsSafe) {
    out.push(
      problem('fail', 'logs', 'postfix-config-invalid', [...quote(relayFatal, 1), 'smtpd exits on every connection, so clients get no banner: add reject_unauth_destination (or defer_unauth_destination) to smtpd_relay_restrictions'], {
        title: 'smtpd refuses to run: no relay restriction rejects unauthorised destinations',
      }),
    );
  }
  const denied = of('main-cf-denied');
  const mode = facts.postfix.mainCf.mode;
  if (denied.length > 0 && mode !== null && (mode & 0o004) === 0) out.push(problem('fail', 'logs', 'main-cf-permissions', quote(denied), { title: 'a Postfix program could not read main.cf (Permission denied)' }));
  return out;
}
