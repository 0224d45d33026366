import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { LabHost } from './host.js';
import { listeners } from './listeners.js';
import { run } from './run.js';
import { smtpProbe } from './smtp.js';

async function machineListensOn25(): Promise<boolean> {
  // Read-only look at the machine's own sockets.
  const result = await run(['ss', '-H', '-l', '-t', '-n', 'sport = :25'], { timeoutMs: 10_000 });
  return result.stdout.trim() !== '';
}

const UBUNTU = 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n';

describe('lab: namespace host', function () {
  let machine25Before: boolean;
  let host: LabHost;

  before(async function () {
    machine25Before = await machineListensOn25();
    host = await LabHost.create({ name: 'hosta', osRelease: UBUNTU });
  });
  after(async function () {
    await host?.destroy();
  });

  it('comes up with Postfix answering on 127.0.0.1:25 inside', async function () {
    assert.match(host.startupBanner ?? '', /^220 hosta\.lab\.test ESMTP Postfix/);
    const probe = await smtpProbe(host, '127.0.0.1', 25, 2_000);
    assert.equal(probe.kind, 'banner');
    const held = await listeners(host, 25);
    assert.ok(held.some((l) => l.processes.some((p) => p.name === 'master')), JSON.stringify(held));
  });

  it('leaves the machine :25 untouched', async function () {
    assert.equal(machine25Before, false, 'precondition: nothing listens on the machine :25');
    assert.equal(await machineListensOn25(), false);
  });

  it('has its own hostname, os-release, mailname and a pristine Debian main.cf', async function () {
    assert.equal((await host.execOk(['hostname'])).stdout.trim(), 'hosta');
    assert.match(await host.readFile('/etc/os-release'), /^ID=ubuntu$/m);
    assert.match(await host.readFile('/usr/lib/os-release'), /^ID=ubuntu$/m);
    assert.doesNotMatch(readFileSync('/etc/os-release', 'utf8'), /ubuntu/i);
    assert.equal((await host.readFile('/etc/mailname')).trim(), 'hosta.lab.test');
    const mainCf = await host.readFile('/etc/postfix/main.cf');
    assert.ok(mainCf.startsWith(readFileSync('/usr/share/postfix/main.cf.debian', 'utf8')));
    for (const line of ['myhostname = hosta.lab.test', 'inet_interfaces = all', 'maillog_file = /var/log/postfix.log']) {
      assert.ok(mainCf.includes(`\n${line}\n`), line);
    }
    assert.equal(await host.readFile('/etc/postfix/master.cf'), readFileSync('/usr/share/postfix/master.cf.dist', 'utf8'));
    // Backdated, so Postfix does not pause on start.
    const age = Number((await host.execOk(['sh', '-c', 'echo $(( $(date +%s) - $(stat -c %Y /etc/postfix/main.cf) ))'])).stdout);
    assert.ok(age >= 50, `main.cf age ${age}s`);
  });

  it('writes into its own overlay, never the machine', async function () {
    await host.writeFile('/etc/postfix/lab-marker', 'x\n', 0o600);
    await host.execOk(['mkdir', '-p', '/var/lib/postfix-fix']);
    await host.writeFile('/var/lib/postfix-fix/state.json', '{}\n');
    assert.equal(existsSync('/etc/postfix/lab-marker'), false);
    assert.equal(existsSync('/var/lib/postfix-fix/state.json'), false);
    await host.writeFile('/dev/shm/lab-marker', 'x\n');
    assert.equal(existsSync('/dev/shm/lab-marker'), false, '/dev/shm is the host\'s own');
    assert.equal((await host.execOk(['stat', '-c', '%a', '/etc/postfix/lab-marker'])).stdout.trim(), '600');
    // The machine-side view through /proc/PID/root sees the same files.
    assert.equal(readFileSync(`${host.root}/etc/postfix/lab-marker`, 'utf8'), 'x\n');
  });

  it('keeps sysctls outside net/ read-only, and net/ writable', async function () {
    const kernel = await host.exec(['sysctl', '-w', 'kernel.domainname=lab']);
    assert.notEqual(kernel.code, 0);
    await host.execOk(['sysctl', '-w', 'net.ipv4.tcp_syncookies=1']);
  });

  it('kills a command that outlives its timeout', async function () {
    const result = await host.exec(['sleep', '30'], { timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    const left = await host.execOk(['sh', '-c', 'ps -eo comm= | grep -cx sleep || true']);
    // Only PID 1's own idle `sleep` remains.
    assert.equal(left.stdout.trim(), '1');
  });

  it('reaps orphans, so a stopped Postfix leaves no zombie master', async function () {
    const other = await LabHost.create({ name: 'hostz' });
    try {
      await other.execOk(['postfix', 'stop']);
      await new Promise((r) => setTimeout(r, 300));
      const ps = await other.execOk(['ps', '-eo', 'stat=,comm=']);
      assert.doesNotMatch(ps.stdout, /^Z/m, ps.stdout);
    } finally {
      await other.destroy();
    }
  });

  it('runs several hosts at once, each with its own :25, and tears down fast', async function () {
    const started = Date.now();
    const hosts = await Promise.all(['multia', 'multib', 'multic'].map((name) => LabHost.create({ name })));
    const upMs = Date.now() - started;
    try {
      const banners = await Promise.all(hosts.map((h) => smtpProbe(h, '127.0.0.1', 25, 2_000)));
      assert.deepEqual(
        banners.map((b) => b.banner?.split(' ')[1]),
        ['multia.lab.test', 'multib.lab.test', 'multic.lab.test'],
      );
    } finally {
      const down = Date.now();
      await Promise.all(hosts.map((h) => h.destroy()));
      console.log(`      3 hosts up+banner ${upMs} ms, down ${Date.now() - down} ms`);
    }
  });

  it('can start without Postfix', async function () {
    const quiet = await LabHost.create({ name: 'quiet', postfix: false });
    try {
      assert.equal(quiet.startupBanner, undefined);
      assert.equal((await smtpProbe(quiet, '127.0.0.1', 25, 1_000)).kind, 'refused');
      assert.equal(await quiet.exec(['test', '-e', '/var/spool/postfix/pid/master.pid']).then((r) => r.code), 1);
    } finally {
      await quiet.destroy();
    }
  });

  it('rejects invalid names', async function () {
    await assert.rejects(LabHost.create({ name: 'Bad Name' }), /invalid lab host name/);
  });
});
