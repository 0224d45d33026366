// Who holds 25, 587 and 465: Postfix's master, another MTA (sendmail, exim, …), or something
// else — with pid, command line and unit, because "port 25 is taken" is only useful with a name.

import { factFailed } from '../facts/gather.js';
import { isLoopbackAddress } from '../facts/ss.js';
import { readCmdline, unitFromCgroup } from '../facts/processes.js';
import { ok, problem, unknown } from './finding.js';
import { formatListener, isPostfixListener } from '../facts/listeners.js';
import { SUBMISSION_PORTS, allLoopback, declaresPort, listenersOn } from './smtp-ports.js';
import type { Listener } from '../facts/types.js';
import type { Finding, Probe, ProbeContext } from './types.js';

export const listenersProbe: Probe = {
  name: 'listeners',
  description: 'who listens on the SMTP ports',
  timeoutMs: 1_500,
  causes: ['port-held-by-mta', 'port-held-by-unknown', 'loopback-only', 'inet-interfaces-needs-restart', 'postfix-stopped', 'smtp-service-disabled'],
  async run(ctx) {
    const failed = factFailed(ctx.facts, 'listeners');
    if (failed && ctx.facts.listeners.length === 0) return [unknown('listeners', 'could not list listening sockets', [failed])];
    const out: Finding[] = [];
    for (const port of [25, ...SUBMISSION_PORTS]) {
      const finding = await judgePort(ctx, port);
      if (finding) out.push(finding);
    }
    const undeclared = smtpUndeclared(ctx);
    if (undeclared) out.push(undeclared);
    return out;
  },
};

async function judgePort(ctx: ProbeContext, port: number): Promise<Finding | null> {
  const { facts } = ctx;
  const held = listenersOn(facts, port);
  const check = 'listeners';
  if (held.length === 0) {
    if (port !== 25) return null; // submission ports are optional; nothing to say
    if (!facts.postfix.installed) return null;
    if (!facts.postfix.running) return problem('fail', check, 'postfix-stopped', ['nothing listens on port 25', 'Postfix master is not running'], { title: 'nothing listens on port 25: Postfix is not running' });
    const disabled = facts.postfix.params.master_service_disable ?? '';
    return problem('fail', check, 'smtp-service-disabled', [
      `Postfix master runs (pid ${facts.postfix.masterPid}) but nothing listens on port 25`,
      disabled ? `master_service_disable = ${disabled}` : 'check that the `smtp inet … smtpd` line in master.cf is not commented out',
    ]);
  }
  const invisible = held.filter((l) => l.pid === null);
  const foreign = held.filter((l) => l.pid !== null && !isPostfixListener(facts, l));
  if (foreign.length > 0) return foreignHolder(ctx, port, foreign);
  if (invisible.length === held.length) {
    return unknown(check, `something listens on port ${port}, but its process is not visible${ctx.isRoot ? '' : ' (run as root)'}`, held.map(formatListener));
  }
  const evidence = held.map(formatListener);
  if (allLoopback(held)) {
    // A service master.cf binds to loopback itself (`127.0.0.1:submission`, for applications on
    // this host) listens there by design; inet_interfaces does not apply to it.
    const bound = boundToLoopback(ctx, port);
    if (bound.length > 0) return ok(check, `Postfix listens on port ${port} on loopback only, as master.cf asks (${bound.join(', ')})`, evidence);
    const ii = facts.postfix.params.inet_interfaces ?? '';
    if (ii !== '' && !/^(loopback-only|localhost|127\.0\.0\.1|\[?::1\]?)([\s,]+(localhost|127\.0\.0\.1|\[?::1\]?))*$/.test(ii.trim())) {
      return problem('fail', check, 'inet-interfaces-needs-restart', [
        ...evidence,
        `main.cf says inet_interfaces = ${ii}, but master still listens on loopback only`,
        '`postfix reload` ignores inet_interfaces changes ("ignoring inet_interfaces change"): Postfix needs a stop and start',
      ]);
    }
    return problem('fail', check, 'loopback-only', [...evidence, `inet_interfaces = ${ii || '(unknown)'}`], { title: `Postfix listens on port ${port} on loopback only` });
  }
  return ok(check, `Postfix listens on port ${port}`, evidence);
}

/** master.cf's inet services on `port`, when every one of them names a loopback address. */
function boundToLoopback(ctx: ProbeContext, port: number): string[] {
  const services = ctx.facts.postfix.services.filter((s) => s.type === 'inet' && s.port === port);
  if (services.length === 0 || !services.every((s) => s.address !== null && isLoopbackAddress(s.address.replace(/^\[|\]$/g, '')))) return [];
  return services.map((s) => `${s.service}/inet`);
}

async function foreignHolder(ctx: ProbeContext, port: number, foreign: Listener[]): Promise<Finding> {
  const { facts } = ctx;
  const first = foreign[0] as Listener;
  const mta = facts.otherMtas.find((m) => m.pid === first.pid || m.process === first.process);
  const cmdline = first.pid !== null ? await readCmdline(ctx.fs, first.pid) : null;
  const unit = mta?.unit ?? (first.pid !== null && facts.init.manager === 'systemd' ? await unitOf(ctx, first.pid) : null);
  const evidence = [
    ...foreign.map(formatListener),
    ...(cmdline ? [`command line: ${cmdline}`] : []),
    ...(unit ? [`started by ${unit}`] : []),
    ...(facts.postfix.running ? [] : ['Postfix cannot bind the port while it is taken ("fatal: bind 0.0.0.0 port 25: Address already in use")']),
  ];
  if (mta) {
    return problem('fail', 'listeners', 'port-held-by-mta', evidence, { title: `${mta.name} (${first.process}, pid ${first.pid}) holds port ${port}` });
  }
  return problem('fail', 'listeners', 'port-held-by-unknown', evidence, {
    title: `${first.process ?? 'an unknown process'} (pid ${first.pid}) holds port ${port}`,
    human: {
      reason: `port ${port} is held by a program postfix-fix does not know, so it will not stop it for you`,
      steps: [
        `See what it is: ps -o pid,user,lstart,args -p ${first.pid}`,
        unit ? `It runs as ${unit}: systemctl stop ${unit} && systemctl disable ${unit} (if it should not run)` : `Find what starts it (its parent: ps -o ppid= -p ${first.pid}; a container port mapping; an SSH tunnel)`,
        `If it must keep port ${port}, move it, or point Postfix elsewhere in master.cf`,
        'Then run: postfix-fix diagnose',
      ],
    },
  });
}

async function unitOf(ctx: ProbeContext, pid: number): Promise<string | null> {
  const cgroup = await ctx.fs.tryReadText(`/proc/${pid}/cgroup`).catch(() => null);
  return cgroup ? unitFromCgroup(cgroup) : null;
}

/**
 * Postfix stopped, and master.cf declares no smtp service on 25 (commented out, or
 * master_service_disable): starting it will not make anything listen there. Said up front, from
 * master.cf, instead of only after a fix has started Postfix. (With Postfix running, judgePort
 * already says it from the listeners.)
 */
function smtpUndeclared(ctx: ProbeContext): Finding | null {
  const { facts } = ctx;
  if (facts.postfix.running || listenersOn(facts, 25).length > 0 || declaresPort(facts, 25) !== false) return null;
  const disabled = facts.postfix.params.master_service_disable ?? '';
  return problem('fail', 'listeners', 'smtp-service-disabled', [
    disabled ? `master_service_disable = ${disabled}` : 'master.cf has no active `smtp inet … smtpd` (or postscreen) line (postconf -F)',
    'Postfix is not running now; once started it will still not listen on port 25',
  ], { title: 'master.cf declares no smtp service on port 25: Postfix will not listen there even once started' });
}
