import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import {
  injectEximHolds25,
  injectFirewalldPublic,
  injectForeignMasterLock,
  injectIpv6Less,
  injectLoopbackOnly,
  injectPostfixDisabled,
} from './faults.js';
import { LabHost } from './host.js';
import { NspawnHost } from './nspawn.js';
import { LAB_DIR } from './paths.js';
import { link } from './peer.js';
import { postfixIsRunning } from './postfix-control.js';
import { identityOf, isAlive } from './proc.js';
import { ensureRootfs, rootfsPath } from './rootfs.js';
import { smtpProbe } from './smtp.js';
import { pollUntil } from './wait.js';

const SKIP = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const SHORT = 1_500;
// nspawn keeps lock files under /run/systemd/nspawn; the lab gives it a private /run instead.
const NSPAWN_RUN_DIR = '/run/systemd/nspawn';
const nspawnRunDirExisted = existsSync(NSPAWN_RUN_DIR);

describe('lab: systemd host (systemd-nspawn)', function () {
  let peer: LabHost;

  before(async function () {
    if (SKIP) {
      console.log('      skipped: POSTFIX_FIX_LAB_SKIP_NSPAWN=1 (the systemd host tests did not run)');
      this.skip();
    }
    // Building the rootfs takes ~90 s the first time (CI prebuilds it: .ci/lab-deps.sh).
    this.timeout(25 * 60_000);
    await ensureRootfs((line) => console.log(`      [rootfs] ${line}`));
    peer = await LabHost.create({ name: 'nspeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });

  it('has a rootfs that boots "open": postfix enabled, firewalld disabled', function () {
    const root = rootfsPath();
    assert.ok(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/postfix.service')));
    assert.ok(!existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/firewalld.service')));
    assert.match(readFileSync(join(root, 'etc/postfix/main.cf'), 'utf8'), /^inet_interfaces = all$/m);
  });

  describe('a booted container', function () {
    let host: NspawnHost;
    let addr: string;

    before(async function () {
      host = await NspawnHost.create({ name: 'nsp1' });
      console.log(`      booted in ${host.bootMs} ms`);
      addr = (await link(host, peer)).aAddr;
    });
    after(async function () {
      await host?.destroy();
    });

    it('runs systemd with Postfix as the postfix@- unit', async function () {
      assert.match((await host.execOk(['systemctl', 'is-system-running'])).stdout, /running|degraded/);
      assert.equal((await host.execOk(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'active');
      assert.equal((await host.exec(['systemctl', 'is-active', 'firewalld'])).stdout.trim(), 'inactive');
      assert.equal((await host.execOk(['hostname'])).stdout.trim(), 'nsp1');
      assert.equal((await host.execOk(['readlink', '/proc/1/exe'])).stdout.trim(), '/usr/lib/systemd/systemd');
    });

    it('answers a peer on a veth into the container netns', async function () {
      const probe = await smtpProbe(peer, addr, 25, 2_000);
      assert.equal(probe.kind, 'banner', JSON.stringify(probe));
      assert.match(probe.banner ?? '', /ESMTP Postfix \(Debian\/GNU\)/);
    });

    it('logs Postfix to journald only', async function () {
      const journal = await host.execOk(['journalctl', '-u', 'postfix@-', '--no-pager', '-q']);
      assert.match(journal.stdout, /daemon started/);
      assert.equal((await host.exec(['test', '-e', '/var/log/mail.log'])).code, 1);
    });

    it('runs the CLI bundle with the bound node binary', async function () {
      const saved = process.env['POSTFIX_FIX_BIN'];
      process.env['POSTFIX_FIX_BIN'] = join(LAB_DIR, 'fixtures', 'fake-cli.mjs');
      try {
        const result = await runCli(host, ['diagnose', '--json']);
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual((result.json as { args: string[] }).args, ['diagnose', '--json']);
        assert.equal((result.json as { hostname: string }).hostname, 'nsp1');
        assert.equal((result.json as { osId: string }).osId, 'debian');
      } finally {
        if (saved === undefined) delete process.env['POSTFIX_FIX_BIN'];
        else process.env['POSTFIX_FIX_BIN'] = saved;
      }
    });
  });

  describe('faults on a systemd host', function () {
    let host: NspawnHost;
    let addr: string;
    let n = 0;

    beforeEach(async function () {
      host = await NspawnHost.create({ name: `nspf${n++}` });
      addr = (await link(host, peer)).aAddr;
    });
    afterEach(async function () {
      await host?.destroy();
    });

    it('postfix stopped and disabled', async function () {
      const fault = await injectPostfixDisabled(host);
      assert.equal(fault.isEnabled, 'disabled');
      assert.equal((await host.exec(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'inactive');
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
    });

    it('inet_interfaces = loopback-only via systemctl stop/start', async function () {
      await injectLoopbackOnly(host);
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
      assert.equal((await smtpProbe(host, '127.0.0.1', 25, SHORT)).kind, 'banner');
    });

    it('firewalld enabled and started by systemd: unreachable', async function () {
      this.timeout(60_000);
      await injectFirewalldPublic(host);
      assert.equal((await host.execOk(['systemctl', 'is-enabled', 'firewalld'])).stdout.trim(), 'enabled');
      // Right after start the rules may not be in place yet: re-probe.
      const probe = await pollUntil(
        async () => {
          const p = await smtpProbe(peer, addr, 25, SHORT);
          return p.kind === 'banner' ? undefined : p;
        },
        { timeoutMs: 15_000, what: 'firewalld rules applied' },
      );
      assert.equal(probe.kind, 'unreachable');
    });

    it('foreign lock on master.pid: postfix@- fails, yet `systemctl start postfix` says 0', async function () {
      const fault = await injectForeignMasterLock(host);
      // postfix.service is a /bin/true oneshot that only Wants postfix@-: its start succeeds
      // whatever happens to the real unit.
      assert.equal(fault.postfixStart.code, 0);
      assert.equal((await host.exec(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'failed');
      assert.match((await host.execOk(['journalctl', '-u', 'postfix@-', '--no-pager'])).stdout, /already running/);
      assert.equal(await postfixIsRunning(host), true, 'postfix status believes it runs');
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
    });

    it('exim4 (unpacked with the libraries a minimal rootfs lacks) holds :25', async function () {
      this.timeout(60_000);
      const fault = await injectEximHolds25(host);
      assert.ok(fault.pid > 0);
      const probe = await smtpProbe(peer, addr, 25, SHORT);
      assert.match(probe.banner ?? '', /Exim 4\.\d+/, JSON.stringify(probe));
      assert.equal((await host.exec(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'failed');
    });

    it('IPv6 switched off by sysctl with inet_protocols = all: postfix@- fails', async function () {
      await injectIpv6Less(host);
      assert.equal((await host.exec(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'failed');
      assert.match(
        (await host.execOk(['journalctl', '-u', 'postfix@-', '--no-pager'])).stdout,
        /no local interface found for ::1/,
      );
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
    });
  });

  it('powers off cleanly and leaves no container behind', async function () {
    const host = await NspawnHost.create({ name: 'nspdown', waitForPostfix: false });
    const leader = identityOf(host.pid);
    assert.ok(leader);
    const started = Date.now();
    await host.destroy();
    console.log(`      poweroff + teardown ${Date.now() - started} ms`);
    assert.equal(isAlive(leader), false);
    assert.equal(existsSync(host.scratchDir), false);
    if (!nspawnRunDirExisted) assert.equal(existsSync(NSPAWN_RUN_DIR), false, 'nspawn wrote to the machine /run');
  });
});
