import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { splitDev } from '../../../src/facts/proc-locks.js';
import { factFailed, gatherFacts } from '../../../src/facts/gather.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { fixture } from './fixture.js';
import type { Script } from '../probes/helpers/fake-exec.js';
import { dialSmtp } from '../../../src/exec/dial.js';

// The whole gathering against a host root laid out in a scratch directory (the lab's seam:
// HostFs over another root) and scripted commands answering with real captured outputs.
describe('facts/gather: gatherFacts', function () {
  let root: string;
  const put = (path: string, content: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const proc = (pid: number, comm: string, ppid: number): void => {
    put(`/proc/${pid}/comm`, `${comm}\n`);
    put(`/proc/${pid}/stat`, `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0\n`);
    put(`/proc/${pid}/cmdline`, `${comm}\0-bd\0`);
  };
  const SS = [
    'LISTEN 0 100 0.0.0.0:25 0.0.0.0:* users:(("master",pid=111,fd=12))',
    'LISTEN 0 100 [::]:25 [::]:* users:(("master",pid=111,fd=13))',
    'LISTEN 0 20 0.0.0.0:587 0.0.0.0:* users:(("exim4",pid=200,fd=3))',
  ].join('\n');
  const scripts = (over: Script[] = []): Script[] => [
    ...over,
    { argv: ['uname', '-n'], result: { stdout: 'mx1\n' } },
    { argv: ['postconf'], result: { stdout: fixture('postconf-x.txt') } },
    { argv: ['ss'], result: { stdout: SS } },
    { argv: ['ip', '-j', 'addr'], result: { stdout: fixture('ip-j-addr-veth.json') } },
    { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-native.json') } },
    { argv: ['iptables-nft-save'], result: { stdout: fixture('iptables-nft-save-empty.txt') } },
  ];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pf-gather-'));
    put('/etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
    put('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\npostfix:x:104:111::/var/spool/postfix:/usr/sbin/nologin\n');
    put('/etc/group', 'root:x:0:\npostfix:x:111:\n');
    put('/etc/postfix/main.cf', 'inet_interfaces = all\n');
    put('/etc/postfix/master.cf', 'smtp inet n - y - - smtpd\n');
    put('/var/spool/postfix/pid/master.pid', '       111\n');
    proc(1, 'sleep', 0);
    proc(111, 'master', 1);
    proc(150, 'smtpd', 111); // Postfix's own smtpd: not OpenSMTPD
    proc(200, 'exim4', 1);
    put('/proc/1/net/route', fixture('proc-net-route-default.txt'));
    put('/proc/1/net/ipv6_route', fixture('proc-net-ipv6-route-none.txt'));
    put('/proc/1/net/ip_tables_names', '');
    const st = statSync(join(root, '/var/spool/postfix/pid/master.pid'));
    const { major, minor } = splitDev(st.dev);
    put('/proc/locks', `1: FLOCK  ADVISORY  WRITE 111 ${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino} 0 EOF\n`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gathers a running Postfix, another MTA on 587, interfaces, routes and an nftables ruleset', async () => {
    const exec = fakeExec(scripts(), ['iptables-legacy-save']);
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
    assert.deepEqual(facts.errors, []);
    assert.equal(facts.hostname, 'mx1');
    assert.equal(facts.os.id, 'debian');
    assert.deepEqual(facts.init, { pid1: 'sleep', manager: 'direct' });
    assert.equal(facts.postfix.installed, true);
    assert.equal(facts.postfix.version, '3.7.11');
    assert.equal(facts.postfix.running, true);
    assert.equal(facts.postfix.masterPid, 111);
    assert.equal(facts.postfix.enabled, null);
    assert.equal(facts.postfix.mainCf.exists, true);
    assert.equal(facts.postfix.mainCf.owner, process.getuid?.() === 0 ? 'root' : null); // names from the host root's /etc/passwd
    assert.deepEqual(facts.masterPid.lockHolder, { pid: 111, process: 'master' });
    assert.deepEqual(facts.otherMtas, [{ name: 'exim', pid: 200, process: 'exim4', ports: [587], unit: null }]);
    assert.deepEqual(facts.network.defaultRoutes, [{ family: 4, iface: 'eth0' }]);
    assert.equal(facts.network.ipv6Available, true);
    assert.deepEqual(facts.firewall.active, ['nftables']);
    assert.equal(facts.firewall.mixedIptables, false);
    assert.deepEqual(
      facts.firewall.verdicts?.map((v) => `${v.backend} ${v.port} ${v.iface} ${v.verdict}`),
      ['nftables 25 eth0 reject', 'nftables 587 eth0 allow', 'nftables 465 eth0 drop'],
    );
    assert.equal(facts.relay.safe, true);
    // legacy tables do not exist: iptables-legacy-save is not even asked
    assert.ok(!exec.calls.some((c) => c.argv[0] === 'iptables-legacy-save'));
    assert.ok(!exec.calls.some((c) => c.argv[0] === 'firewall-cmd' || c.argv[0] === 'ufw'));
  });

  it('while Exim serves a connection, its daemon holds 587 and is the MTA to stop, not the child', async () => {
    proc(201, 'exim4', 200);
    const shared = SS.replace('users:(("exim4",pid=200,fd=3))', 'users:(("exim4",pid=201,fd=3),("exim4",pid=200,fd=3))');
    const exec = fakeExec(scripts([{ argv: ['ss'], result: { stdout: shared } }]));
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
    assert.deepEqual(facts.listeners.filter((l) => l.port === 587).map((l) => l.pid), [200]);
    assert.deepEqual(facts.otherMtas, [{ name: 'exim', pid: 200, process: 'exim4', ports: [587], unit: null }]);
  });

  it('records what could not be gathered instead of inventing it', async () => {
    const exec = fakeExec(
      scripts([
        { argv: ['postconf'], result: { exitCode: 1, stderr: fixture('postconf-fatal.stderr') } },
        { argv: ['ip'], result: { exitCode: 1, stderr: 'Cannot open netlink socket: Permission denied' } },
      ]),
    );
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
    assert.match(factFailed(facts, 'postfix.params') ?? '', /missing '=' after attribute name/);
    assert.equal(facts.postfix.installed, true);
    assert.deepEqual(facts.postfix.params, {});
    assert.equal(facts.relay.safe, false, 'unknown relay settings are never called safe');
    assert.match(factFailed(facts, 'network') ?? '', /Cannot open netlink socket/);
    // master.pid still found at the profile's path
    assert.equal(facts.postfix.running, true);
  });

  it('falls back to /proc/net/tcp without ss, and says so', async () => {
    put('/proc/1/net/tcp', fixture('proc-net-tcp.txt'));
    const exec = fakeExec(scripts().filter((s) => s.argv[0] !== 'ss'));
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
    assert.deepEqual(facts.listeners, [{ family: 4, address: '0.0.0.0', port: 25, pid: null, process: null }]);
    assert.match(factFailed(facts, 'listeners') ?? '', /ss is not installed.*\/proc\/net\/tcp/);
  });

  it('a hung tool costs its budget, not the run: the deadline holds', async () => {
    const exec = fakeExec(scripts([{ argv: ['ip'], delayMs: 10_000 }, { argv: ['nft'], delayMs: 10_000 }]));
    const started = Date.now();
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: started + 400 });
    const took = Date.now() - started;
    assert.ok(took < 1_000, `took ${took} ms`);
    assert.ok(factFailed(facts, 'network'));
    assert.equal(facts.postfix.running, true, 'the rest was still gathered');
  });

  // The real-SELinux VM (emulated, ~20× slower): with --timeout 60 the facts still had their
  // 5-second-default limits, and timed out into fallbacks ("nothing listens", "no SELinux").
  it('a person who grants more time (timeScale) gets each fact\'s own limit stretched in proportion', async () => {
    const slowSs = (): ReturnType<typeof fakeExec> => fakeExec(scripts([{ argv: ['ss'], result: { stdout: SS }, delayMs: 2_100 }]));
    const at = (timeScale: number) => gatherFacts({ exec: slowSs(), fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 30_000, timeScale });
    const [plain, stretched] = await Promise.all([at(1), at(2)]);
    assert.ok(factFailed(plain, 'listeners'), 'at the default scale, ss outlasts its 2 s limit');
    assert.equal(factFailed(stretched, 'listeners'), null);
    assert.deepEqual(stretched.listeners.map((l) => l.port), [25, 25, 587]);
  });

  it('reports Postfix missing when postconf is not there', async () => {
    const exec = fakeExec(scripts().filter((s) => s.argv[0] !== 'postconf'));
    const facts = await gatherFacts({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
    assert.equal(facts.postfix.installed, false);
    assert.equal(factFailed(facts, 'postfix'), null);
  });
});
