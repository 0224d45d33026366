import assert from 'node:assert/strict';
import { injectIptablesBlock25, injectLoopbackOnly } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import { snapshot } from './snapshot.js';
import { smtpProbe } from './smtp.js';

describe('lab: snapshot', function () {
  let host: LabHost;
  let peer: LabHost;

  before(async function () {
    [host, peer] = await Promise.all([LabHost.create({ name: 'snap' }), LabHost.create({ name: 'snappeer', postfix: false })]);
  });
  after(async function () {
    await Promise.all([host?.destroy(), peer?.destroy()]);
  });

  it('is byte-identical when nothing changed, even with traffic in between', async function () {
    await injectIptablesBlock25(host, { action: 'reject' });
    const { aAddr } = await link(host, peer);
    const before = await snapshot(host);
    // Traffic moves packet counters; the snapshot must not see that as a change.
    await smtpProbe(peer, aAddr, 25, 1_000);
    await smtpProbe(peer, aAddr, 22, 1_000);
    const after = await snapshot(host);
    assert.deepEqual(after, before);
    assert.match(before.iptablesSave, /-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset/);
    assert.match(before.listeners, /0\.0\.0\.0:25/);
    assert.equal(before.units, '(no systemd)\n');
    assert.match(before.ufwStatus, /Status: inactive/);
    assert.equal(before.firewalldRuntime, 'not running\n');
  });

  it('does not itself create iptables-legacy tables (which would change what iptables-nft prints)', async function () {
    const fresh = await LabHost.create({ name: 'snapfresh', postfix: false });
    try {
      await snapshot(fresh);
      const nft = await fresh.execOk(['iptables-nft', '-S']);
      assert.doesNotMatch(nft.stdout + nft.stderr, /legacy tables present/);
      assert.equal((await fresh.execOk(['iptables-legacy-save'])).stdout.trim(), '');
    } finally {
      await fresh.destroy();
    }
  });

  it('shows a fault as a difference', async function () {
    const before = await snapshot(host);
    await injectLoopbackOnly(host);
    const after = await snapshot(host);
    assert.notEqual(after.mainCf, before.mainCf);
    assert.match(after.mainCf, /^inet_interfaces = loopback-only$/m);
    assert.notEqual(after.listeners, before.listeners);
    assert.equal(after.iptablesSave, before.iptablesSave);
  });
});
