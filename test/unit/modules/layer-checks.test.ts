// The check modules a runbook proves its own layer with: read from the listening sockets and from
// the loaded rules, so what another layer still gets wrong (a REJECT in front of the port, a
// stopped Postfix behind an open firewall) cannot mask the answer.
import assert from 'node:assert/strict';
import { firewallAllowsCheck } from '../../../src/modules/firewall-allows/module.js';
import { listenerCheck } from '../../../src/modules/listener/module.js';
import type { Facts } from '../../../src/facts/types.js';
import { testContext } from '../helpers/context.js';
import { factsWith, stoppedFacts } from '../probes/helpers/facts.js';

const check = (facts: Facts, args: Record<string, unknown>) => listenerCheck.check(testContext(facts), { wait_ms: 0, ...args } as never);

describe('modules/listener (check)', () => {
  it('Postfix on every address proves "all", "loopback-only" and its own address', async () => {
    const facts = factsWith(() => undefined);
    assert.deepEqual(await check(facts, { port: 25, on: ['all'] }), { ok: true, evidence: ['0.0.0.0:25 held by master (pid 100)', '[::]:25 held by master (pid 100)'] });
    assert.equal((await check(facts, { port: 25, on: ['10.0.0.5', 'loopback-only'] })).ok, true);
  });

  it('on loopback only: "all" is not proven, and says what is not covered', async () => {
    const facts = factsWith((f) => {
      f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }];
    });
    const r = await check(facts, { port: 25, on: ['all'] });
    assert.equal(r.ok, false);
    assert.deepEqual(r.evidence, ['127.0.0.1:25 held by master (pid 100)', 'not covered: all']);
    assert.equal((await check(facts, { port: 25, on: ['10.0.0.5'] })).ok, false);
    assert.equal((await check(facts, { port: 25 })).ok, true, 'no addresses asked: any listener of Postfix');
  });

  it('another MTA on the port fails "only Postfix"; nothing listening fails whatever is asked', async () => {
    const exim = factsWith((f) => {
      f.listeners = [...f.listeners, { family: 4, address: '10.0.0.5', port: 25, pid: 77, process: 'exim4' }];
    });
    const r = await check(exim, { port: 25 });
    assert.equal(r.ok, false);
    assert.match(r.evidence.at(-1) ?? '', /another program listens on port 25 beside Postfix/);
    assert.equal((await check(exim, { port: 25, only_postfix: false })).ok, true);
    const stopped = await check(stoppedFacts(), { port: 25 });
    assert.deepEqual(stopped, { ok: false, evidence: ['nothing listens on port 25', 'Postfix does not listen on port 25'] });
  });

  it('describes itself for the plan', () => {
    assert.equal(listenerCheck.describe({ port: 25, on: ['all'] }), 'Postfix (only) listens on port 25 on all (ss)');
  });
});

describe('modules/firewall-allows (check)', () => {
  const fw = (edit: (f: Facts) => void) => firewallAllowsCheck.check(testContext(factsWith(edit)), { ports: [25, 587] });

  it('no firewall loaded: nothing to pass', async () => {
    assert.deepEqual(await fw(() => undefined), { ok: true, evidence: ['no firewall rules are loaded'] });
  });

  it('every verdict for every port must be allow: a reject on 587 fails, with the deciding rule', async () => {
    const r = await fw((f) => {
      f.firewall.active = ['nftables'];
      f.firewall.verdicts = [
        { backend: 'nftables', port: 25, iface: 'eth0', verdict: 'allow', detail: 'inet filter input: tcp dport 25 accept' },
        { backend: 'nftables', port: 587, iface: 'eth0', verdict: 'reject', detail: 'inet filter input: tcp dport 587 reject' },
      ];
    });
    assert.equal(r.ok, false);
    assert.deepEqual(r.evidence, ['nftables: 25/tcp from outside via eth0 → allow (inet filter input: tcp dport 25 accept)', 'nftables: 587/tcp from outside via eth0 → reject (inet filter input: tcp dport 587 reject)']);
  });

  it('a backend whose verdict is unknown, or a firewall that could not be read, proves nothing', async () => {
    const unknown = await fw((f) => {
      f.firewall.active = ['iptables-legacy'];
      f.firewall.verdicts = [
        { backend: 'iptables-legacy', port: 25, iface: 'eth0', verdict: 'unknown', detail: 'cannot evaluate -m recent' },
        { backend: 'iptables-legacy', port: 587, iface: 'eth0', verdict: 'allow', detail: 'policy ACCEPT of INPUT' },
      ];
    });
    assert.equal(unknown.ok, false);
    const unread = await fw((f) => {
      f.errors = [{ fact: 'firewall.nftables', message: 'nft timed out' }];
    });
    assert.deepEqual(unread, { ok: false, evidence: ['could not read the firewall: nft timed out'] });
  });
});
