// The service and firewall runbooks on hosts presented as Debian, Ubuntu, Rocky and Alpine: each host
// carries that release's real /etc/os-release, logs where that distro does, and is matched to
// that distro's profile. Alpine gets an OpenRC stand-in (rc-service/rc-update driving Postfix;
// OpenRC itself cannot run here), so the OpenRC code path of the service module is the one used.
import assert from 'node:assert/strict';
import { injectFirewalldPublic, injectIptablesBlock25, injectNftablesBlock25, injectPostfixStopped, injectUfwDenyIncoming } from '../lab/index.js';
import type { Distro, Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

const EXPECT: Record<Distro, { profile: string; manager: string }> = {
  'debian-12': { profile: 'debian', manager: 'direct' },
  'ubuntu-24.04': { profile: 'ubuntu', manager: 'direct' },
  'rocky-9.4': { profile: 'rhel', manager: 'direct' },
  'alpine-3.20': { profile: 'alpine', manager: 'openrc' },
};

for (const [distro, want] of Object.entries(EXPECT) as Array<[Distro, (typeof EXPECT)[Distro]]>) {
  describeScenario({
    title: `${distro}: postfix stopped`,
    distro,
    inject: (h) => injectPostfixStopped(h),
    cause: 'postfix-stopped',
    runbooks: ['postfix-service'],
    brokenPeer: ['refused'],
    onPlan(plan) {
      const p = plan as { profile: { id: string }; serviceManager: string; runbooks: Array<{ steps: Array<{ change?: { diff: string[] } }> }> };
      assert.equal(p.profile.id, want.profile);
      assert.equal(p.serviceManager, want.manager);
      const diff = p.runbooks.flatMap((r) => r.steps.flatMap((s) => s.change?.diff ?? [])).join('\n');
      if (want.manager === 'openrc') assert.match(diff, /rc-service postfix start/);
      else assert.match(diff, /~ postfix start/);
    },
    ...(distro === 'alpine-3.20'
      ? {
          async afterFix({ host }) {
            assert.match((await host.execOk(['rc-update', 'show', 'default'])).stdout, /postfix \| default/);
          },
        }
      : {}),
  });
}

// The firewall runbook on each, with that distro's usual firewall in front of Postfix.
const FIREWALL: Record<Distro, { title: string; inject: (h: Host) => Promise<unknown>; peer: Array<'refused' | 'timeout' | 'unreachable'>; diff: RegExp }> = {
  'debian-12': { title: 'nftables drop', inject: (h) => injectNftablesBlock25(h, 'drop'), peer: ['timeout'], diff: /^\+ inet local_filter input: tcp dport 25 accept comment "postfix-fix"/m },
  'ubuntu-24.04': { title: 'ufw default deny', inject: (h) => injectUfwDenyIncoming(h), peer: ['timeout'], diff: /^\+ ufw allow 25\/tcp/m },
  'rocky-9.4': { title: 'firewalld public zone', inject: (h) => injectFirewalldPublic(h), peer: ['unreachable'], diff: /firewall-cmd/ },
  'alpine-3.20': { title: 'iptables REJECT', inject: (h) => injectIptablesBlock25(h, { action: 'reject' }), peer: ['refused'], diff: /^\+ iptables(-nft)? -I INPUT/m },
};

for (const [distro, fw] of Object.entries(FIREWALL) as Array<[Distro, (typeof FIREWALL)[Distro]]>) {
  describeScenario({
    title: `${distro}: ${fw.title}`,
    distro,
    inject: fw.inject,
    cause: 'firewall-blocks-smtp',
    runbooks: ['firewall'],
    brokenPeer: fw.peer,
    onPlan(plan) {
      const p = plan as { profile: { id: string }; runbooks: Array<{ steps: Array<{ change?: { diff: string[] } }> }> };
      assert.equal(p.profile.id, EXPECT[distro].profile);
      assert.match(p.runbooks.flatMap((r) => r.steps.flatMap((s) => s.change?.diff ?? [])).join('\n'), fw.diff);
    },
  });
}
