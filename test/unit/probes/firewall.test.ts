import assert from 'node:assert/strict';
import { firewallProbe } from '../../../src/probes/firewall.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

describe('probes/firewall', () => {
  it('nothing loaded: ok, naming what is installed', async () => {
    const [f] = await firewallProbe.run(probeCtx(healthyFacts()));
    assert.equal(f?.status, 'ok');
    assert.deepEqual(f?.evidence, ['installed but not loaded: nftables, iptables-nft']);
  });

  it('ufw dropping 25: fail firewall-blocks-smtp with the deciding rule', async () => {
    const facts = factsWith((f) => {
      f.firewall.active = ['ufw'];
      f.firewall.verdicts = [
        { backend: 'ufw', port: 25, iface: 'eth0', verdict: 'drop', detail: 'policy DROP of INPUT' },
        { backend: 'ufw', port: 587, iface: 'eth0', verdict: 'allow', detail: '-A ufw-user-input -p tcp -m tcp --dport 587 -j ACCEPT' },
      ];
    });
    const [f] = await firewallProbe.run(probeCtx(facts));
    assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'firewall-blocks-smtp', 'ufw drops port 25']);
    // 587 is not served here, so its verdict is not evidence
    assert.deepEqual(f?.evidence, ['ufw: 25/tcp from outside via eth0 → drop (policy DROP of INPUT)']);
  });

  it('allowing: ok; unreadable rule: unknown; mixed iptables backends: warn with steps for a human', async () => {
    const facts = factsWith((f) => {
      f.firewall.active = ['nftables', 'iptables-legacy'];
      f.firewall.mixedIptables = true;
      f.firewall.verdicts = [
        { backend: 'nftables', port: 25, iface: 'eth0', verdict: 'allow', detail: 'inet filter input: tcp dport 25 accept' },
        { backend: 'iptables-legacy', port: 25, iface: 'eth0', verdict: 'unknown', detail: 'cannot evaluate: -A INPUT -m recent …' },
      ];
    });
    const fs = await firewallProbe.run(probeCtx(facts));
    assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['warn', 'firewall-mixed-backends'], ['ok', null], ['unknown', null]]);
    assert.ok((fs[0]?.human?.steps.length ?? 0) >= 3);
  });
});
