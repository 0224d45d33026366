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
});
