// Is Postfix installed, running, and started at boot? "Running" means a live process named
// `master` behind master.pid — not what `postfix status` says: that only tests the lock, and a
// foreign process holding it makes it say "running" while nothing listens. So `postfix status`
// (a shell script costing ~0.1 s of CPU) is asked only when the process table says "not
// running", where its disagreement is evidence.

import { factFailed } from '../facts/gather.js';
import { runProbeCommand } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import type { Facts } from '../facts/types.js';
import type { Finding, Probe, ProbeContext } from './types.js';

const STATUS_ARGV = ['postfix', 'status'] as const;

export const serviceProbe: Probe = {
  name: 'service',
  description: 'Postfix installed, running and enabled at boot',
  timeoutMs: 3_000,
  causes: ['postfix-not-installed', 'postfix-stopped', 'postfix-disabled'],
  async run(ctx) {
    const { postfix, init } = ctx.facts;
    if (!postfix.installed) {
      return [problem('fail', 'service', 'postfix-not-installed', ['postconf is not on PATH (/usr/sbin, /usr/bin, …)'])];
    }
    const failed = factFailed(ctx.facts, 'master_pid') ?? factFailed(ctx.facts, 'postfix', { exact: true });
    if (failed && !postfix.running) return [unknown('service', 'could not tell whether Postfix runs', [failed])];

    const evidence = [...masterEvidence(ctx.facts), ...(await statusEvidence(ctx)), ...unitEvidence(ctx.facts)];
    const out: Finding[] = [];
    if (postfix.running) out.push(ok('service', `Postfix is running (master pid ${postfix.masterPid})`, evidence));
    else out.push(problem('fail', 'service', 'postfix-stopped', evidence));

    if (postfix.enabled === false) {
      out.push(problem('warn', 'service', 'postfix-disabled', [`${init.manager}: ${postfix.unit ?? 'postfix'} is not enabled at boot`]));
    } else if (postfix.enabled === true) {
      out.push(ok('service', `Postfix starts at boot (${init.manager}: ${postfix.unit})`));
    } else {
      out.push(ok('service', 'no boot-time service manager here: Postfix starts with whatever starts this host', [`PID 1 is ${init.pid1 || 'unknown'} (${init.manager})`]));
    }
    return out;
  },
};

function masterEvidence(facts: Facts): string[] {
  const m = facts.masterPid;
  if (facts.postfix.running) return [`${m.path} names pid ${m.pid}, a live \`master\` process`];
  if (!m.exists) return [`no ${m.path}: Postfix has not been started (or was stopped cleanly)`];
  if (m.pid === null) return [`${m.path} holds no pid`];
  return [`${m.path} names pid ${m.pid}, which is ${m.pidAlive ? 'alive but not Postfix master' : 'not running'}`];
}

async function statusEvidence(ctx: ProbeContext): Promise<string[]> {
  if (ctx.facts.postfix.running) return [];
  if (!ctx.isRoot) return ['`postfix status` not run (needs root)'];
  // It prints only on a terminal; its exit code is what it has to say here.
  const r = await runProbeCommand(ctx, STATUS_ARGV, 2_000);
  if (r.timedOut) return ['`postfix status` did not answer in time'];
  if (r.notFound) return ['`postfix` command not found'];
  const says = r.exitCode === 0 ? 'running' : 'not running';
  const contradiction = (r.exitCode === 0) !== ctx.facts.postfix.running ? ' — contradicts the process table (see master_pid)' : '';
  return [`\`postfix status\` exits ${r.exitCode} (${says})${contradiction}`];
}

function unitEvidence(facts: Facts): string[] {
  const { unit, unitState } = facts.postfix;
  if (!unit || !unitState) return [];
  return [`${facts.init.manager}: ${unit} is ${unitState}`];
}
