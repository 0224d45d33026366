import assert from 'node:assert/strict';
import { LabHost } from './host.js';
import { link } from './peer.js';
import type { LinkInfo } from './peer.js';
import { relayAttempt, smtpProbe } from './smtp.js';

describe('lab: peer link and SMTP probes', function () {
  let server: LabHost;
  let client: LabHost;
  let net: LinkInfo;

  before(async function () {
    [server, client] = await Promise.all([
      LabHost.create({ name: 'psrv' }),
      LabHost.create({ name: 'pcli', postfix: false }),
    ]);
    net = await link(server, client);
  });
  after(async function () {
    await Promise.all([server?.destroy(), client?.destroy()]);
  });
  afterEach(async function () {
    // Each test adds its own rules; start the next from an open firewall.
    await server.exec(['iptables-nft', '-F', 'INPUT']);
    await server.exec(['iptables-legacy', '-F', 'INPUT']);
    await server.exec(['nft', 'delete', 'table', 'inet', 'labtest']);
  });

  it('links the hosts over a veth pair inside their namespaces', async function () {
    assert.match(net.subnet, /^10\.231\.\d+\.0\/24$/);
    const addr = await server.execOk(['ip', '-o', '-4', 'addr', 'show', 'dev', net.aIf]);
    assert.ok(addr.stdout.includes(`${net.aAddr}/24`), addr.stdout);
    const probe = await smtpProbe(client, net.aAddr, 25, 2_000);
    assert.equal(probe.kind, 'banner', JSON.stringify(probe));
    assert.match(probe.banner ?? '', /^220 psrv\.lab\.test ESMTP/);
  });

  it('sees refused for a closed port', async function () {
    assert.equal((await smtpProbe(client, net.aAddr, 2525, 1_500)).kind, 'refused');
  });

  it('sees refused for iptables REJECT --reject-with tcp-reset (nft and legacy)', async function () {
    for (const ipt of ['iptables-nft', 'iptables-legacy']) {
      await server.execOk([ipt, '-I', 'INPUT', '-p', 'tcp', '--dport', '25', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
      const probe = await smtpProbe(client, net.aAddr, 25, 1_500);
      assert.equal(probe.kind, 'refused', `${ipt}: ${JSON.stringify(probe)}`);
      await server.execOk([ipt, '-F', 'INPUT']);
    }
  });

  it('sees a timeout for DROP', async function () {
    await server.execOk(['iptables-nft', '-I', 'INPUT', '-p', 'tcp', '--dport', '25', '-j', 'DROP']);
    const probe = await smtpProbe(client, net.aAddr, 25, 1_500);
    assert.equal(probe.kind, 'timeout', JSON.stringify(probe));
    assert.ok(probe.ms >= 1_400 && probe.ms < 3_000, `${probe.ms} ms`);
  });

  it('sees unreachable for nft reject with icmpx admin-prohibited', async function () {
    await server.execOk(['nft', 'add', 'table', 'inet', 'labtest']);
    await server.execOk(['nft', 'add', 'chain', 'inet', 'labtest', 'input', '{ type filter hook input priority 0; policy accept; }']);
    await server.execOk(['nft', 'add', 'rule', 'inet', 'labtest', 'input', 'tcp', 'dport', '25', 'reject', 'with', 'icmpx', 'type', 'admin-prohibited']);
    const probe = await smtpProbe(client, net.aAddr, 25, 1_500);
    assert.equal(probe.kind, 'unreachable', JSON.stringify(probe));
    assert.equal(probe.detail, 'EHOSTUNREACH');
  });

  it('sees banner-timeout when something accepts but never greets', async function () {
    await server.execOk(['iptables-nft', '-I', 'INPUT', '-p', 'tcp', '--dport', '25', '-j', 'ACCEPT']);
    const silent = ['sh', '-c', 'setsid nc -l -k -p 2626 </dev/null >/dev/null 2>&1 & echo $!'];
    const pid = (await server.execOk(silent)).stdout.trim();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const probe = await smtpProbe(client, net.aAddr, 2626, 1_000);
      assert.equal(probe.kind, 'banner-timeout', JSON.stringify(probe));
    } finally {
      await server.exec(['kill', pid]);
    }
  });

  it('relayAttempt: the pristine host refuses to relay for a peer, accepts local mail', async function () {
    const outside = await relayAttempt(client, net.aAddr, 25, { from: 'a@peer.test', to: 'victim@example.net' });
    assert.equal(outside.accepted, false);
    assert.equal(outside.stage, 'rcpt');
    assert.equal(outside.code, 454);
    assert.match(outside.reply, /Relay access denied/);
    const local = await relayAttempt(client, net.aAddr, 25, { from: 'a@peer.test', to: 'root@psrv.lab.test' });
    assert.equal(local.accepted, true, JSON.stringify(local));
    assert.equal(local.code, 250);
  });

  it('gives every link its own subnet and interface names', async function () {
    const third = await LabHost.create({ name: 'pthird', postfix: false });
    try {
      const second = await link(server, third);
      assert.notEqual(second.subnet, net.subnet);
      assert.equal(second.aIf, 'eth1');
      assert.equal(second.bIf, 'eth0');
      assert.equal((await smtpProbe(third, second.aAddr, 25, 2_000)).kind, 'banner');
      // The first peer cannot reach the third host's subnet: links are point to point.
      assert.equal((await smtpProbe(client, second.bAddr, 25, 1_000)).kind, 'unreachable');
    } finally {
      await third.destroy();
    }
  });
});
