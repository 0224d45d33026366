// Milters, policy services and the SASL backend: smtpd asks them before it accepts a mail, so one
// that is down refuses mail (451 at MAIL or RCPT), or kills smtpd at start (SASL), while every
// port check passes. Each is named with the parameter that names it, where smtpd connects, and
// the unit that should be serving it.

import type { Dependency, DependencyKind } from '../facts/types.js';
import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import type { Finding, Probe } from './types.js';

const CAUSE: Readonly<Record<DependencyKind, string>> = { milter: 'milter-unreachable', policy: 'policy-service-unreachable', sasl: 'sasl-backend-unreachable' };
const WHAT: Readonly<Record<DependencyKind, string>> = { milter: 'milter', policy: 'policy service', sasl: 'SASL backend' };
const EFFECT: Readonly<Record<DependencyKind, string>> = {
  milter: 'with milter_default_action = tempfail (the default) every mail gets 451 4.7.1 at MAIL FROM',
  policy: 'every RCPT that reaches check_policy_service gets 451 4.3.5 (Server configuration problem)',
  sasl: 'smtpd dies at start-up ("fatal: no SASL authentication mechanisms"): clients of that service get no banner',
};

export function describeEndpoint(d: Dependency): string {
  return d.endpoint.transport === 'inet' ? `${d.endpoint.host}:${d.endpoint.port}` : `${d.endpoint.path}${d.chrooted ? ' (inside the chroot)' : ''}`;
}

export const dependenciesProbe: Probe = {
  name: 'dependencies',
  description: 'milters, policy services and the SASL backend smtpd depends on answer',
  timeoutMs: 500,
  causes: Object.values(CAUSE),
  async run(ctx) {
    if (!ctx.facts.postfix.installed) return [];
    const failed = factFailed(ctx.facts, 'dependencies');
    if (failed) return [unknown('dependencies', 'could not test the services smtpd depends on', [failed])];
    const { endpoints } = ctx.facts.dependencies;
    if (endpoints.length === 0) return [ok('dependencies', 'no milter, policy service or SASL backend to depend on')];
    const down = endpoints.filter((d) => !d.answers);
    if (down.length === 0) return [ok('dependencies', `${endpoints.length} service(s) smtpd depends on answer`, endpoints.map((d) => `${WHAT[d.kind]} ${d.spec} (${d.usedBy.join(', ')}): ${describeEndpoint(d)} answers${d.owner ? ` (${d.owner})` : ''}`))];
    const action = ctx.facts.postfix.params.milter_default_action ?? 'tempfail';
    return down.map((d) => judged(d, action));
  },
};

/** What a milter that does not answer does to mail, under this milter_default_action. */
function effect(d: Dependency, milterAction: string): string {
  if (d.kind !== 'milter' || milterAction === 'tempfail') return EFFECT[d.kind];
  if (milterAction === 'accept') return 'milter_default_action = accept: mail is accepted without it (not signed, not checked by it)';
  if (milterAction === 'quarantine') return 'milter_default_action = quarantine: every mail is accepted into the hold queue, and delivered only when released';
  return `milter_default_action = ${milterAction}: every mail is refused at MAIL FROM${milterAction === 'reject' ? ' with 5xx (senders give up)' : ''}`;
}

function judged(d: Dependency, milterAction: string): Finding {
  const where = `${WHAT[d.kind]} ${d.spec} (${d.usedBy.join(', ')})`;
  const evidence = [`${where}: connect to ${describeEndpoint(d)} → ${d.detail}`, effect(d, milterAction)];
  if (d.misplaced !== null) {
    return problem('fail', 'dependencies', CAUSE[d.kind], [...evidence, `the socket exists at ${d.misplaced}, outside the chroot: smtpd looks for it at ${describeEndpoint(d)}`], {
      title: `${where} is out of smtpd's reach: its socket is at ${d.misplaced}, outside the chroot`,
      human: {
        reason: 'the service runs, but makes its socket where a chrooted smtpd cannot see it',
        steps: [
          `Make the service create its socket at ${d.endpoint.transport === 'unix' ? d.endpoint.path : ''} (for OpenDKIM on Debian: Socket local:${d.endpoint.transport === 'unix' ? d.endpoint.path : ''} in /etc/opendkim.conf, and add postfix to its group), then restart it`,
          'Or run that smtpd service unchrooted (master.cf chroot column n): a wider change, weigh it',
        ],
      },
    });
  }
  const owner = d.owner ? ` (usually ${d.owner})` : '';
  if (d.ownerRunning === true && d.owner) {
    return problem('fail', 'dependencies', CAUSE[d.kind], [...evidence, `${d.owner} is running, but nothing answers at ${describeEndpoint(d)}`], {
      title: `${where} does not answer although ${d.owner} runs: it listens elsewhere, or could not open ${describeEndpoint(d)}`,
      human: {
        reason: `${d.owner} is already running: starting it changes nothing`,
        steps: [
          `Compare where ${d.owner} listens (its Socket / inet setting; \`ss -ltnpx\`) with ${d.spec} in ${d.usedBy[0]}, and read its log for a socket it could not open`,
          'Then restart it (or correct the parameter) — never remove the milter or policy check to make mail flow',
        ],
      },
    });
  }
  if (d.candidates.length > 0) {
    return problem('fail', 'dependencies', CAUSE[d.kind], [...evidence, `installed here and able to serve it: ${d.candidates.join(', ')}`], { title: `${where} does not answer${owner}: ${d.detail}` });
  }
  return problem('fail', 'dependencies', CAUSE[d.kind], evidence, {
    title: `${where} does not answer${owner}: ${d.detail}`,
    human: {
      reason: `no service installed here is known to serve ${describeEndpoint(d)}`,
      steps: [`Start the service that provides ${d.spec} (check \`ss -ltnpx\` on a working twin), or correct ${d.usedBy[0]} if the address is wrong`, 'Never remove the milter or policy check to make mail flow: that bypasses the filter'],
    },
  });
}
