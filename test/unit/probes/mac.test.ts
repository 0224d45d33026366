import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { macProbe } from '../../../src/probes/mac.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

// The shapes of real denials: an SELinux AVC for Postfix master binding a non-standard port (as
// the TCG VM in the lab recipes logs it), and an AppArmor DENIED line for smtpd.
// A minute ago: with Postfix down, denials of the last hour count.
const AVC = `type=AVC msg=audit(${Math.floor(Date.now() / 1000) - 60}.123:456): avc:  denied  { name_bind } for  pid=812 comm="master" src=2525 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0`;
const APPARMOR = 'Nov 27 21:00:00 mx kernel: audit: type=1400 audit(1732741200.5:77): apparmor="DENIED" operation="open" profile="/usr/lib/postfix/sbin/smtpd" name="/etc/postfix/sasl/smtpd.conf" pid=901 comm="smtpd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0';
const OTHER = 'type=AVC msg=audit(1732741200.9:457): avc:  denied  { read } for  pid=77 comm="httpd" name="x" scontext=system_u:system_r:httpd_t:s0';

function rootWith(files: Record<string, string>): ReturnType<typeof createHostFs> {
  const root = mkdtempSync(join(tmpdir(), 'pf-mac-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return createHostFs(root);
}

/** The finding with Postfix down (so denials of the last hour count) and `lines` in the log read. */
async function judgedWithPostfixDown(mac: 'selinux' | 'apparmor', lines: string[]) {
  const facts = factsWith((f) => {
    if (mac === 'selinux') f.mac.selinux = 'enforcing';
    else f.mac.apparmor = 'enabled';
    f.postfix.running = false;
    f.postfix.masterPid = null;
  });
  const log = mac === 'selinux' ? '/var/log/audit/audit.log' : '/var/log/kern.log';
  return (await macProbe.run(probeCtx(facts, { exec: fakeExec([{ argv: ['tail'], result: { stdout: `${lines.join('\n')}\n` } }]), fs: rootWith({ [log]: 'x' }) })))[0];
}

describe('probes/mac', () => {
  it('nothing active: ok, no log read', async () => {
    const exec = fakeExec([]);
    const [f] = await macProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.deepEqual([f?.status, f?.evidence], ['ok', ['SELinux: absent; AppArmor: absent']]);
    assert.equal(exec.calls.length, 0);
  });

  it('SELinux enforcing with a Postfix AVC: fail selinux-denials; someone else\'s AVC does not count', async () => {
    // Postfix is down: its master died on the denied bind.
    const facts = factsWith((f) => {
      f.mac.selinux = 'enforcing';
      f.postfix.running = false;
      f.postfix.masterPid = null;
    });
    const exec = fakeExec([{ argv: ['tail', '-n', '2000', '--', '/var/log/audit/audit.log'], result: { stdout: `${OTHER}\n${AVC}\n` } }]);
    const [f] = await macProbe.run(probeCtx(facts, { exec, fs: rootWith({ '/var/log/audit/audit.log': 'x' }) }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'selinux-denials']);
    assert.ok(f?.evidence.includes(AVC));
    assert.ok(!f?.evidence.includes(OTHER));
  });

  it('a running master: its own denial is current, another (earlier) master\'s is history, however recent', async () => {
    const facts = factsWith((f) => (f.mac.selinux = 'enforcing')); // master pid 100 runs
    const run = async (line: string) => (await macProbe.run(probeCtx(facts, { exec: fakeExec([{ argv: ['tail'], result: { stdout: `${line}\n` } }]), fs: rootWith({ '/var/log/audit/audit.log': 'x' }) })))[0];
    assert.equal((await run(AVC))?.status, 'ok', 'pid 812 is not the master that runs now');
    assert.deepEqual([(await run(AVC.replace('pid=812', 'pid=100')))?.status, (await run(AVC.replace('pid=812 comm="master"', 'pid=100 comm=master')))?.status], ['fail', 'fail']);
  });

  it('permissive only warns; AppArmor denials of smtpd fail', async () => {
    const permissive = factsWith((f) => {
      f.mac.selinux = 'permissive';
      f.postfix.running = false;
      f.postfix.masterPid = null;
    });
    const exec = () => fakeExec([{ argv: ['tail'], result: { stdout: `${AVC}\n${APPARMOR}\n` } }]);
    const fs = () => rootWith({ '/var/log/audit/audit.log': 'x' });
    assert.equal((await macProbe.run(probeCtx(permissive, { exec: exec(), fs: fs() })))[0]?.status, 'warn');
    const apparmor = factsWith((f) => (f.mac.apparmor = 'enabled'));
    const [f] = await macProbe.run(probeCtx(apparmor, { exec: exec(), fs: fs() }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'apparmor-denials']);
  });

  // Logged in the real-SELinux VM while postfix-fix ran `postfix status` (its caller's stdout is a
  // socket labelled with the caller's domain): not why mail is refused, and not to be "fixed".
  it('a Postfix command denied its inherited stdin/stdout is left aside, and said to be', async () => {
    const now = Math.floor(Date.now() / 1000) - 30;
    const piped = [
      `type=AVC msg=audit(${now}.772:80): avc:  denied  { read write } for  pid=3345 comm="postfix" path="socket:[21574]" dev="sockfs" ino=21574 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:system_r:initrc_t:s0 tclass=unix_stream_socket permissive=1`,
      `type=AVC msg=audit(${now}.816:82): avc:  denied  { ioctl } for  pid=3345 comm="postfix" path="socket:[21576]" dev="sockfs" ino=21576 ioctlcmd=0x5401 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:system_r:initrc_t:s0 tclass=unix_stream_socket permissive=1`,
      `type=AVC msg=audit(${now}.900:83): avc:  denied  { write } for  pid=3346 comm="postconf" path="pipe:[4242]" dev="pipefs" ino=4242 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:system_r:unconfined_t:s0 tclass=fifo_file permissive=0`,
    ];
    const run = (lines: string[]) => judgedWithPostfixDown('selinux', lines);
    const alone = await run(piped);
    assert.equal(alone?.status, 'ok');
    assert.ok(alone?.evidence.some((e) => /^3 denial\(s\) of a Postfix command on what it inherited from its caller/.test(e)), JSON.stringify(alone?.evidence));
    // The same command denied a file, or the master denied its port: still the cause.
    const file = piped[0]?.replace('path="socket:[21574]"', 'path="/etc/postfix/main.cf"').replace('tclass=unix_stream_socket', 'tclass=file') as string;
    assert.deepEqual([(await run([...piped, file]))?.status, (await run([...piped, AVC]))?.cause], ['fail', 'selinux-denials']);
  });

  // sendmail's stdin is an application's message (PHP's mail(), cron): denied, the mail is lost.
  it('sendmail denied the pipe it inherited counts: that pipe carries the message', async () => {
    const now = Math.floor(Date.now() / 1000) - 30;
    const line = `type=AVC msg=audit(${now}.100:90): avc:  denied  { read } for  pid=4000 comm="sendmail" path="pipe:[5151]" dev="pipefs" ino=5151 scontext=system_u:system_r:system_mail_t:s0 tcontext=system_u:system_r:httpd_t:s0 tclass=fifo_file permissive=0`;
    const f = await judgedWithPostfixDown('selinux', [line]);
    assert.deepEqual([f?.status, f?.cause], ['fail', 'selinux-denials']);
    assert.ok(f?.evidence.includes(line));
  });

  // AppArmor names an inherited descriptor's denial file_inherit (the shape of apparmor.d's and
  // Ubuntu's reports: a terminal, a socket): postconf run from a shell or by postfix-fix.
  it('AppArmor: a Postfix command\'s file_inherit denials are left aside, and said to be; its other denials count', async () => {
    const now = Math.floor(Date.now() / 1000) - 30;
    const inherit = [
      `Dec  6 17:00:00 mx kernel: audit: type=1400 audit(${now}.200:91): apparmor="DENIED" operation="file_inherit" class="file" profile="/usr/sbin/postconf" name="/dev/pts/4" pid=5000 comm="postconf" requested_mask="wr" denied_mask="wr" fsuid=0 ouid=0`,
      `Dec  6 17:00:00 mx kernel: audit: type=1400 audit(${now}.300:92): apparmor="DENIED" operation="file_inherit" class="net" profile="/usr/lib/postfix/sbin/master" pid=5001 comm="postfix" family="unix" sock_type="stream" protocol=0 requested_mask="send receive" denied_mask="send receive" addr=none peer_addr=none peer="unconfined"`,
    ];
    const run = (lines: string[]) => judgedWithPostfixDown('apparmor', lines);
    const alone = await run(inherit);
    assert.equal(alone?.status, 'ok');
    assert.ok(alone?.evidence.some((e) => /^2 denial\(s\) of a Postfix command on what it inherited from its caller/.test(e)), JSON.stringify(alone?.evidence));
    // postconf denied main.cf itself, or smtpd inheriting from the master: the cause.
    const open = (inherit[0] as string).replace('operation="file_inherit"', 'operation="open"').replace('name="/dev/pts/4"', 'name="/etc/postfix/main.cf"');
    const daemon = (inherit[1] as string).replace('comm="postfix"', 'comm="smtpd"').replace('sbin/master', 'sbin/smtpd');
    assert.deepEqual([(await run([...inherit, open]))?.cause, (await run([...inherit, daemon]))?.cause, (await run([...inherit, APPARMOR.replace(/audit\([\d.]+:/, `audit(${now}.9:`)]))?.cause], ['apparmor-denials', 'apparmor-denials', 'apparmor-denials']);
  });

  it('a log that would show a denial but cannot be read (a timeout on a loaded host): unknown, never "no denials"', async () => {
    const facts = factsWith((f) => (f.mac.selinux = 'enforcing'));
    const exec = fakeExec([{ argv: ['tail'], delayMs: 60_000 }]);
    const [f] = await macProbe.run(probeCtx(facts, { exec, fs: rootWith({ '/var/log/audit/audit.log': 'x' }) }));
    assert.equal(f?.status, 'unknown');
    assert.match(f?.title ?? '', /could not read every log that would show a denial/);
    assert.ok(f?.evidence.some((e) => /^\/var\/log\/audit\/audit\.log: no answer within \d+ ms$/.test(e)), JSON.stringify(f?.evidence));
  });
});
