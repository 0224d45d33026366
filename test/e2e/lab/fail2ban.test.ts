import assert from 'node:assert/strict';
import { startDovecotSasl } from './dovecot.js';
import { banInFirewall, bannedAddresses, fail2banClient, startFail2ban, stopFail2ban } from './fail2ban.js';
import { injectFail2banBan } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import type { LinkInfo } from './peer.js';
import { relayAttempt, smtpProbe, smtpSession } from './smtp.js';
import { enableSubmission } from './submission.js';
import { pollUntil } from './wait.js';

const SHORT = 1_500;
const UNRELATED = '203.0.113.77';

// One mail server with 25, 587 and 465 open and two clients on links of their own: "banned"
// is the client fail2ban turns against, "other" an unrelated one that must keep working.
describe('lab: fail2ban (Debian 1.0.2) inside a namespace host', function () {
  this.timeout(60_000);
  let server: LabHost;
  let banned: LabHost;
  let other: LabHost;
  let toBanned: LinkInfo;
  let toOther: LinkInfo;

  before(async function () {
    [server, banned, other] = await Promise.all([
      LabHost.create({ name: 'f2bsrv' }),
      LabHost.create({ name: 'f2bbad', postfix: false }),
      LabHost.create({ name: 'f2bok', postfix: false }),
    ]);
    toBanned = await link(server, banned);
    toOther = await link(server, other);
    await startDovecotSasl(server, { users: [{ user: 'alice', password: 'wonderland' }] });
    await enableSubmission(server);
  });
  after(async function () {
    await Promise.all([server?.destroy(), banned?.destroy(), other?.destroy()]);
  });
  afterEach(async function () {
    // actionstop takes the jails' chains and sets away: the next test starts unbanned.
    await stopFail2ban(server);
  });

  async function assertAllPortsGreet(peer: LabHost, addr: string): Promise<void> {
    for (const port of [25, 587]) assert.equal((await smtpProbe(peer, addr, port, SHORT)).kind, 'banner', `port ${port}`);
    const smtps = await smtpSession(peer, addr, 465, { tls: 'implicit', timeoutMs: SHORT });
    assert.equal(smtps.banner?.code, 220, `465: ${JSON.stringify(smtps)}`);
  }

  async function assertAllPortsRefused(peer: LabHost, addr: string): Promise<void> {
    for (const port of [25, 587, 465]) {
      const probe = await smtpProbe(peer, addr, port, SHORT);
      assert.equal(probe.kind, 'refused', `port ${port}: ${JSON.stringify(probe)}`);
    }
  }

  it('starts the postfix and postfix-sasl jails on Postfix\'s maillog_file', async function () {
    const f2b = await startFail2ban(server);
    assert.equal((await fail2banClient(server, ['ping'])).stdout.trim(), 'Server replied: pong');
    assert.deepEqual(f2b.jails, ['postfix', 'postfix-sasl']);
    assert.equal(f2b.logpath, '/var/log/postfix.log');
    for (const jail of f2b.jails) {
      const logpath = await fail2banClient(server, ['get', jail, 'logpath']);
      assert.match(logpath.stdout, /\/var\/log\/postfix\.log/, jail);
    }
    assert.match(await server.readFile(f2b.jailLocal), /^backend = polling$/m);
    // The machine's Debian default jail (sshd) is not part of the host's copy.
    const status = await fail2banClient(server, ['status']);
    assert.match(status.stdout, /Jail list:\s*postfix, postfix-sasl\s*$/m);
    // Nothing banned yet: both clients are greeted on every port.
    await assertAllPortsGreet(banned, toBanned.aAddr);
    await assertAllPortsGreet(other, toOther.aAddr);
  });

  it('injectFail2banBan (iptables-multiport): the banned peer is refused on 25/587/465, the other greeted', async function () {
    const fault = await injectFail2banBan(server, toBanned.bAddr, { alsoBan: [UNRELATED], bantime: 3600 });
    assert.equal(fault.banaction, 'iptables-multiport');
    assert.deepEqual(fault.banned, [toBanned.bAddr, UNRELATED]);
    await assertAllPortsRefused(banned, toBanned.aAddr);
    await assertAllPortsGreet(other, toOther.aAddr);

    const status = (await fail2banClient(server, ['status', 'postfix'])).stdout;
    assert.match(status, new RegExp(`Banned IP list:.*\\b${toBanned.bAddr.replace(/\./g, '\\.')}\\b`));
    assert.match(status, /Currently banned:\s*2/);
    assert.deepEqual((await bannedAddresses(server, 'postfix')).sort(), [toBanned.bAddr, UNRELATED].sort());
    assert.equal((await fail2banClient(server, ['get', 'postfix', 'bantime'])).stdout.trim(), '3600');
    const rules = (await server.execOk(['iptables', '-S'])).stdout;
    assert.match(rules, /-A INPUT -p tcp -m multiport --dports 25,465,587 -j f2b-postfix/);
    assert.match(rules, new RegExp(`-A f2b-postfix -s ${toBanned.bAddr}/32 -j REJECT --reject-with icmp-port-unreachable`));
    // The jail that did not ban anyone has no say over the peer.
    assert.deepEqual(await bannedAddresses(server, 'postfix-sasl'), []);

    await fail2banClient(server, ['set', 'postfix', 'unbanip', toBanned.bAddr]);
    await pollUntil(async () => ((await banInFirewall(server, 'postfix', toBanned.bAddr)) ? undefined : true), {
      timeoutMs: 10_000,
      what: 'unban applied',
    });
    await assertAllPortsGreet(banned, toBanned.aAddr);
    assert.deepEqual(await bannedAddresses(server, 'postfix'), [UNRELATED]);
  });

  it('nftables-multiport works too: same refusal, from a set in table inet f2b-table', async function () {
    const fault = await injectFail2banBan(server, toBanned.bAddr, { banaction: 'nftables-multiport' });
    assert.equal(fault.banaction, 'nftables-multiport');
    await assertAllPortsRefused(banned, toBanned.aAddr);
    await assertAllPortsGreet(other, toOther.aAddr);
    const table = (await server.execOk(['nft', 'list', 'table', 'inet', 'f2b-table'])).stdout;
    assert.match(table, /tcp dport \{ 25, 465, 587 \} ip saddr @addr-set-postfix reject/);
    assert.match(table, new RegExp(`elements = \\{ ${toBanned.bAddr.replace(/\./g, '\\.')} \\}`));
    // No iptables chain: the ban lives only in nftables.
    assert.equal((await server.exec(['iptables', '-S', 'f2b-postfix'])).code, 1);
  });

  it('bans from the log: repeated relay attempts get a client banned; ignoreip spares one (manual banip does not)', async function () {
    await startFail2ban(server, { maxretry: 2, ignoreip: ['127.0.0.1/8', toOther.bAddr] });
    const outside = { from: 'spam@peer.test', to: 'victim@example.net' };
    for (let i = 0; i < 3; i++) {
      for (const [peer, net] of [[banned, toBanned], [other, toOther]] as const) {
        const relay = await relayAttempt(peer, net.aAddr, 25, outside);
        assert.equal(relay.code, 454, JSON.stringify(relay));
      }
    }
    // Markers in fail2ban's own log and firewall, not a sleep.
    await pollUntil(async () => ((await banInFirewall(server, 'postfix', toBanned.bAddr)) ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the log-driven ban in the firewall',
    });
    const ignored = new RegExp(`\\[postfix\\] Ignore ${toOther.bAddr.replace(/\./g, '\\.')} by ip`);
    await pollUntil(async () => (ignored.test(await server.readFile('/var/log/fail2ban.log')) ? true : undefined), {
      timeoutMs: 20_000,
      what: 'fail2ban ignoring the ignoreip client',
    });
    assert.equal((await smtpProbe(banned, toBanned.aAddr, 25, SHORT)).kind, 'refused');
    assert.equal((await smtpProbe(other, toOther.aAddr, 25, SHORT)).kind, 'banner');
    assert.deepEqual(await bannedAddresses(server, 'postfix'), [toBanned.bAddr]);

    // ignoreip guards only against the log: an explicit banip bans an ignored address.
    await injectFail2banBan(server, toOther.bAddr);
    assert.equal((await smtpProbe(other, toOther.aAddr, 25, SHORT)).kind, 'refused');
  });
});
