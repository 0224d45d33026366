// The master runs, nothing listens on port 25: the smtp line commented out by hand, or
// master_service_disable = inet. The fix goes through postconf (-M for the entry, -e for main.cf)
// and never uncomments: Debian's commented postscreen line right below the smtp line stays
// commented, so the server greets as it did before.

import assert from 'node:assert/strict';
import { injectSmtpServiceDisabled } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

const POSTSCREEN_COMMENTED = /^#smtp\s+inet\s+n\s+-\s+y\s+-\s+1\s+postscreen$/m;

interface PlanShape {
  runbooks: Array<{ id: string; steps: Array<{ module: string; status: string; change?: { diff: string[] } }> }>;
}

const diffOf = (plan: unknown, module: string): string[] => (plan as PlanShape).runbooks.find((r) => r.id === 'smtp-service-disabled')?.steps.find((s) => s.module === module && s.status === 'change')?.change?.diff ?? [];

let planned: string[] = [];

describeScenario({
  title: 'smtp inet line commented out in master.cf',
  inject: (h) => injectSmtpServiceDisabled(h, 'commented'),
  cause: 'smtp-service-disabled',
  runbooks: ['smtp-service-disabled'],
  brokenPeer: ['refused'],
  relayRefused: true,
  onPlan(plan) {
    planned = diffOf(plan, 'master-service');
    assert.ok(planned.includes('+smtp       inet  n       -       y       -       -       smtpd'), planned.join('\n'));
    assert.ok(planned.some((l) => l.startsWith("~ postconf -c /etc/postfix -M 'smtp/inet=smtp inet n - y - - smtpd'")), planned.join('\n'));
    assert.equal(diffOf(plan, 'postconf').length, 0, 'master_service_disable is not touched');
  },
  async afterFix({ host }: { host: Host }) {
    const masterCf = await host.readFile('/etc/postfix/master.cf');
    // What the plan showed is what postconf wrote: the added line, once, at the end.
    const added = planned.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1));
    assert.ok(masterCf.endsWith(`${added.join('\n')}\n`), masterCf.slice(-300));
    assert.match(masterCf, POSTSCREEN_COMMENTED, 'the postscreen line must stay commented');
    assert.match(masterCf, /^#smtp\s+inet\s+n\s+-\s+y\s+-\s+-\s+smtpd$/m, 'the admin\'s commented line is left as it was');
  },
});

describeScenario({
  title: 'master_service_disable = inet',
  inject: (h) => injectSmtpServiceDisabled(h, 'master-service-disable'),
  cause: 'smtp-service-disabled',
  runbooks: ['smtp-service-disabled'],
  brokenPeer: ['refused'],
  relayRefused: true,
  onPlan(plan) {
    const diff = diffOf(plan, 'postconf');
    assert.ok(diff.includes('-master_service_disable = inet'), diff.join('\n'));
    assert.equal(diffOf(plan, 'master-service').length, 0, 'master.cf already has the smtp service');
  },
  async afterFix({ host }: { host: Host }) {
    assert.match(await host.readFile('/etc/postfix/master.cf'), POSTSCREEN_COMMENTED);
  },
});

describeScenario({
  title: 'smtp line commented out, under systemd',
  kind: 'nspawn',
  inject: (h) => injectSmtpServiceDisabled(h, 'commented'),
  cause: 'smtp-service-disabled',
  runbooks: ['smtp-service-disabled'],
  brokenPeer: ['refused'],
  relayRefused: true,
});
