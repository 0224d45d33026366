import assert from 'node:assert/strict';
import {
  UNRELATED_RULE_LINES,
  injectDeadContentFilter,
  injectEximHolds25,
  injectFirewalldPublic,
  injectForeignMasterLock,
  injectIptablesBlock25,
  injectIpv6Less,
  injectListenerHolds25,
  injectLoopbackOnly,
  injectMainCfPermissions,
  injectMixedIptablesBackends,
  injectNftablesBlock25,
  injectStaleMasterPid,
  injectUfwDenyIncoming,
} from './faults.js';
import { injectPostfixStopped } from './faults.js';
import { LabHost } from './host.js';
import { listeners } from './listeners.js';
import { link } from './peer.js';
import { postconfSet, postfixIsRunning, postfixRestart, postfixStart } from './postfix-control.js';
import { relayAttempt, sendMail, smtpProbe } from './smtp.js';
import { pollUntil } from './wait.js';

// Long enough for a SYN to a DROP rule to be told apart from an answer (a banner takes ~20 ms).
const SHORT = 1_000;
const OUTSIDE = { from: 'spammer@peer.test', to: 'victim@example.net' };

// Every test breaks a fresh server; the client (the "outside world") is shared.
describe('lab: fault injectors break what they claim', function () {
  let client: LabHost;
  let server: LabHost;
  let addr: string;
  let counter = 0;

  before(async function () {
    client = await LabHost.create({ name: 'fcli', postfix: false });
  });
  after(async function () {
    await client?.destroy();
  });
  beforeEach(async function () {
    server = await LabHost.create({ name: `fsrv${counter++}` });
    addr = (await link(server, client)).aAddr;
    // Precondition of every fault test: the pristine server answers the peer.
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
  });
  afterEach(async function () {
    await server?.destroy();
  });

  const postfixLog = async (): Promise<string> => server.readFile('/var/log/postfix.log').catch(() => '');

  it('postfix stopped: peer refused, postfix status says not running', async function () {
    await injectPostfixStopped(server);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
    assert.equal(await postfixIsRunning(server), false);
  });

  for (const value of ['loopback-only', '127.0.0.1'] as const) {
    it(`inet_interfaces = ${value}: peer refused, loopback still greets`, async function () {
      const fault = await injectLoopbackOnly(server, { value });
      assert.equal(fault.start.code, 0, fault.start.stdout);
      assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
      assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).kind, 'banner');
      const bound = (await listeners(server, 25)).map((l) => l.address);
      assert.ok(bound.length > 0 && bound.every((a) => a === '127.0.0.1' || a === '[::1]'), bound.join(' '));
      assert.match(await server.readFile('/etc/postfix/main.cf'), new RegExp(`^inet_interfaces = ${value}$`, 'm'));
    });
  }

  it('reload really ignores an inet_interfaces change (why injectors stop+start)', async function () {
    await postconfSet(server, ['inet_interfaces=loopback-only']);
    await server.execOk(['postfix', 'reload']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
    assert.match(await postfixLog(), /ignoring inet_interfaces change/);
  });

  for (const unsafeRelay of ['mynetworks-any', 'client-access-any'] as const) {
    it(`loopback-only + ${unsafeRelay}: refused now, an open relay once opened`, async function () {
      await injectLoopbackOnly(server, { unsafeRelay });
      assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
      // What a naive fix (listen on all interfaces) would expose:
      await postconfSet(server, ['inet_interfaces=all']);
      await postfixRestart(server);
      const relay = await relayAttempt(client, addr, 25, OUTSIDE);
      assert.equal(relay.accepted, true, JSON.stringify(relay));
    });
  }

  for (const unsafeRelay of ['relay-restrictions-permit', 'relay-restrictions-empty'] as const) {
    it(`loopback-only + ${unsafeRelay}: Postfix's safety net kills smtpd, no banner even locally`, async function () {
      await injectLoopbackOnly(server, { unsafeRelay });
      assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
      assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).kind, 'banner-timeout');
      assert.match(await postfixLog(), /specify at least one working instance of: reject_unauth_destination/);
    });
  }

  it('exim4 holds :25: peer greeted by Exim, postfix start fails with address in use', async function () {
    this.timeout(60_000);
    const fault = await injectEximHolds25(server);
    const probe = await smtpProbe(client, addr, 25, SHORT);
    assert.equal(probe.kind, 'banner');
    assert.match(probe.banner ?? '', /Exim 4\.\d+/);
    assert.equal(await postfixIsRunning(server), false);
    assert.match(await postfixLog(), /fatal: bind 0\.0\.0\.0 port 25: Address already in use/);
    const held = await listeners(server, 25);
    assert.ok(held.every((l) => l.processes.every((p) => p.name === 'exim4' && p.pid === fault.pid)), JSON.stringify(held));
  });

  it('another listener holds :25: peer gets no banner, postfix start fails', async function () {
    const fault = await injectListenerHolds25(server);
    assert.equal((await smtpProbe(client, addr, 25, 1_000)).kind, 'banner-timeout');
    assert.equal(await postfixIsRunning(server), false);
    assert.match(await postfixLog(), /bind 0\.0\.0\.0 port 25: Address already in use/);
    const held = await listeners(server, 25);
    assert.deepEqual(held.flatMap((l) => l.processes.map((p) => p.pid)), [fault.pid]);
  });

  it('foreign lock on master.pid: "running" per postfix status, nothing listens, start refuses', async function () {
    const fault = await injectForeignMasterLock(server);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
    assert.equal(await postfixIsRunning(server), true);
    assert.deepEqual(await listeners(server, 25), []);
    assert.match(fault.postfixStart.stdout, /already running/);
    assert.equal(Number((await server.readFile('/var/spool/postfix/pid/master.pid')).trim()), fault.lockerPid);
  });

  it('stale master.pid: postfix down, and the file does not block a start (Postfix 3.7)', async function () {
    const fault = await injectStaleMasterPid(server);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
    assert.equal(await postfixIsRunning(server), false);
    assert.equal((await server.exec(['test', '-d', `/proc/${fault.stalePid}`])).code, 1);
    assert.equal(Number((await server.readFile('/var/spool/postfix/pid/master.pid')).trim()), fault.stalePid);
    assert.equal((await postfixStart(server)).code, 0);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
  });

  it('iptables REJECT tcp-reset (nft backend): refused, unrelated rules in place', async function () {
    const fault = await injectIptablesBlock25(server, { action: 'reject' });
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
    const rules = (await server.execOk(['iptables-nft', '-S'])).stdout;
    for (const line of fault.unrelatedRules) assert.ok(rules.includes(line), line);
    assert.deepEqual(fault.unrelatedRules, UNRELATED_RULE_LINES);
  });

  it('iptables DROP (legacy backend): timeout', async function () {
    await injectIptablesBlock25(server, { action: 'drop', backend: 'legacy' });
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'timeout');
    assert.match((await server.execOk(['iptables-legacy', '-S', 'INPUT'])).stdout, /--dport 25 -j DROP/);
  });

  it('nftables table of its own: drop -> timeout, icmpx reject -> unreachable, persisted', async function () {
    const fault = await injectNftablesBlock25(server, 'drop');
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'timeout');
    assert.match(await server.readFile(fault.configFile), /table inet local_filter/);
    // The persisted file alone recreates the block.
    await server.execOk(['nft', 'flush', 'ruleset']);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
    await server.execOk(['nft', '-f', fault.configFile]);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'timeout');
  });

  it('nftables reject with icmpx admin-prohibited: unreachable', async function () {
    await injectNftablesBlock25(server, 'reject-icmpx');
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'unreachable');
  });

  it('ufw enabled, default deny incoming: timeout', async function () {
    this.timeout(30_000);
    await injectUfwDenyIncoming(server);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'timeout');
    assert.match((await server.execOk(['ufw', 'status', 'verbose'])).stdout, /Status: active[\s\S]*deny \(incoming\)/);
  });

  it('firewalld running, public zone without smtp: unreachable', async function () {
    this.timeout(40_000);
    const fault = await injectFirewalldPublic(server);
    assert.equal(fault.defaultZone, 'public');
    assert.doesNotMatch((await server.execOk(['firewall-cmd', '--list-services'])).stdout, /smtp/);
    const probe = await pollUntil(
      async () => {
        const p = await smtpProbe(client, addr, 25, SHORT);
        return p.kind === 'banner' ? undefined : p;
      },
      { timeoutMs: 10_000, what: 'firewalld rules applied' },
    );
    assert.equal(probe.kind, 'unreachable');
  });

  it('mixed iptables-nft and iptables-legacy: nft shows ACCEPT, legacy DROP wins', async function () {
    await injectMixedIptablesBackends(server);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'timeout');
    const shown = await server.execOk(['iptables', '-S', 'INPUT']);
    assert.match(shown.stdout, /--dport 25 -j ACCEPT/);
    assert.match(shown.stdout + shown.stderr, /iptables-legacy tables present/);
  });

  it('IPv6 disabled with inet_protocols = all: postfix cannot start (nor check)', async function () {
    const fault = await injectIpv6Less(server);
    assert.notEqual(fault.postfixStart.code, 0);
    assert.match(fault.postfixStart.stdout, /fatal: parameter inet_interfaces: no local interface found for ::1/);
    assert.equal(await postfixIsRunning(server), false);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'refused');
    assert.notEqual((await server.exec(['postfix', 'check'])).code, 0);
    assert.equal((await server.execOk(['sysctl', '-n', 'net.ipv6.conf.all.disable_ipv6'])).stdout.trim(), '1');
  });

  it('main.cf insecure ownership/mode: postfix check warns, Postfix still serves', async function () {
    await injectMainCfPermissions(server, 'insecure');
    assert.equal((await server.execOk(['stat', '-c', '%U:%G %a', '/etc/postfix/main.cf'])).stdout.trim(), 'nobody:nogroup 666');
    const log = await postfixLog();
    assert.match(log, /warning: not owned by root: \/etc\/postfix\/\.\/main\.cf/);
    assert.match(log, /warning: group or other writable: \/etc\/postfix\/\.\/main\.cf/);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
  });

  it('main.cf unreadable: non-root Postfix tools fail, smtpd still serves', async function () {
    await injectMainCfPermissions(server, 'unreadable');
    const mailq = await server.exec(['su', '-s', '/bin/sh', 'nobody', '-c', 'mailq']);
    assert.notEqual(mailq.code, 0);
    assert.match(mailq.stderr + mailq.stdout, /fatal: open \/etc\/postfix\/main\.cf: Permission denied/);
    assert.equal((await smtpProbe(client, addr, 25, SHORT)).kind, 'banner');
  });

  it('content_filter to a dead amavis: :25 accepts, mail piles up deferred', async function () {
    const fault = await injectDeadContentFilter(server);
    assert.equal((await smtpProbe(server, '127.0.0.1', fault.filterPort, SHORT)).kind, 'refused');
    const sent = await sendMail(client, addr, 25, { from: 'someone@peer.test', to: 'root@localhost' });
    assert.equal(sent.accepted, true, JSON.stringify(sent));
    const queue = await pollUntil(
      async () => {
        const q = (await server.execOk(['postqueue', '-p'])).stdout;
        return /127\.0\.0\.1\]:10024: Connection refused/.test(q) ? q : undefined;
      },
      { timeoutMs: 10_000, what: 'message deferred for the dead filter' },
    );
    assert.match(queue, /Requests?\./);
  });
});
