// The reload trap, the state the triage guide's own steps leave a host in: `postconf -e
// inet_interfaces=all; postfix reload` — main.cf says all, the master keeps its loopback sockets.
// One stop + start fixes it; it changes no file, so rollback has nothing to restore and says so.

import { injectLoopbackOnly, injectReloadTrap, postconfSet, postfixReload, waitForPostfixLog } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';
import type { Scenario } from '../scenario.js';

// The reload trap and what it must look like, on a namespace host and under systemd.
const reloadTrap = {
  inject: (h: Host) => injectReloadTrap(h),
  cause: 'inet-interfaces-needs-restart',
  runbooks: ['inet-interfaces-needs-restart'],
  brokenPeer: ['refused'],
  relayRefused: true,
  restartNotUndone: true,
} satisfies Partial<Scenario>;

describeScenario({
  title: 'reload trap: inet_interfaces = all, only reloaded',
  ...reloadTrap,
  onPlan(plan) {
    const steps = (plan as { runbooks: Array<{ id: string; steps: Array<{ module: string; status: string; reversible: boolean; change?: { diff: string[] } }> }> }).runbooks.find((r) => r.id === 'inet-interfaces-needs-restart')?.steps ?? [];
    const restart = steps.find((s) => s.module === 'postfix-restart');
    if (restart?.status !== 'change' || restart.reversible) throw new Error(`restart step: ${JSON.stringify(restart)}`);
    const diff = restart.change?.diff.join('\n') ?? '';
    if (!/listening now: 127\.0\.0\.1:25, \[::1\]:25/.test(diff) || !/after the restart: 0\.0\.0\.0:25, \[::\]:25/.test(diff) || !/no file changes/.test(diff)) throw new Error(diff);
  },
});

// The trap with a relay that would be open once Postfix listens beyond loopback: the relay
// safeguard is set first (and undone by rollback, byte for byte), then the restart.
async function trapWithOpenRelay(h: Host): Promise<void> {
  await injectLoopbackOnly(h, { value: 'loopback-only', unsafeRelay: 'client-access-any' });
  await postconfSet(h, ['inet_interfaces=all']);
  await postfixReload(h);
  await waitForPostfixLog(h, /ignoring inet_interfaces change/);
}

describeScenario({
  title: 'reload trap with unsafe relay settings',
  inject: trapWithOpenRelay,
  cause: 'inet-interfaces-needs-restart',
  runbooks: ['inet-interfaces-needs-restart'],
  brokenPeer: ['refused'],
  relayRefused: true,
  restartNotUndone: true,
});

// Under systemd the restart goes through the unit (systemctl restart postfix.service), as an admin's
// would; the trap is the same.
describeScenario({
  title: 'reload trap under systemd',
  kind: 'nspawn',
  ...reloadTrap,
  onPlan(plan) {
    const diff = JSON.stringify(plan);
    if (!/restart Postfix: systemctl restart postfix\.service/.test(diff)) throw new Error('the plan restarts through systemd');
  },
});
