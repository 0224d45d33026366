// inet_interfaces names an address the host does not have: Postfix refuses to start. The lost
// address is dropped; nothing beyond loopback being left, inet_interfaces becomes `all` with the
// relay safeguards, and postfix-service starts Postfix after it.

import assert from 'node:assert/strict';
import { injectUnknownInterfaceAddress } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

interface PlanShape {
  runbooks: Array<{ id: string; status: string; steps: Array<{ module: string; status: string; change?: { diff: string[] } }> }>;
}

describeScenario({
  title: 'inet_interfaces names an address the host lost',
  inject: (h) => injectUnknownInterfaceAddress(h),
  cause: 'inet-interfaces-unknown-address',
  runbooks: ['inet-interfaces-unknown-address', 'postfix-service'],
  brokenPeer: ['refused'],
  relayRefused: true,
  onPlan(plan) {
    const runbooks = (plan as PlanShape).runbooks;
    // Started only once the address is gone from main.cf: the start would fail before.
    assert.deepEqual(runbooks.map((r) => r.id).filter((id) => ['inet-interfaces-unknown-address', 'postfix-service'].includes(id)), ['inet-interfaces-unknown-address', 'postfix-service']);
    const diff = runbooks.find((r) => r.id === 'inet-interfaces-unknown-address')?.steps.find((s) => s.status === 'change')?.change?.diff ?? [];
    assert.ok(diff.includes('-inet_interfaces = 127.0.0.1, 192.0.2.77') && diff.includes('+inet_interfaces = all'), diff.join('\n'));
  },
  async afterFix({ host }: { host: Host }) {
    assert.match(await host.readFile('/etc/postfix/main.cf'), /^inet_interfaces = all$/m);
  },
});

// An address beyond loopback remains (the host still has it): only the lost one is dropped, the
// rest kept as written, and Postfix listens on what is left. (::1 is kept too, so `localhost`,
// which resolves to ::1 first here, reaches Postfix.)
describeScenario({
  title: 'inet_interfaces keeps the addresses the host still has',
  async inject(h) {
    const own = (await h.execOk(['ip', '-o', '-4', 'addr', 'show', 'scope', 'global'])).stdout.match(/inet (\d+\.\d+\.\d+\.\d+)\//)?.[1];
    assert.ok(own, 'the host has a global IPv4 address');
    return injectUnknownInterfaceAddress(h, { keep: ['127.0.0.1', '[::1]', own] });
  },
  cause: 'inet-interfaces-unknown-address',
  runbooks: ['inet-interfaces-unknown-address', 'postfix-service'],
  brokenPeer: ['refused'],
  relayRefused: true,
  async afterFix({ host, net }) {
    assert.match(await host.readFile('/etc/postfix/main.cf'), new RegExp(`^inet_interfaces = 127\\.0\\.0\\.1, \\[::1\\], ${net.aAddr.replace(/\./g, '\\.')}$`, 'm'));
  },
});
