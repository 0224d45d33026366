import assert from 'node:assert/strict';
import {
  injectReloadTrap,
  injectSmtpServiceDisabled,
  injectSmtpdFatalAtStartup,
  injectUnknownInterfaceAddress,
} from './faults.js';
import type { Host } from './host-types.js';
import { LabHost } from './host.js';
import { listeners } from './listeners.js';
import { NspawnHost } from './nspawn.js';
import { link } from './peer.js';
import { postconfGet, postfixIsRunning, postfixLog, waitForPostfixLog } from './postfix-control.js';
import { smtpProbe } from './smtp.js';

const SKIP_NSPAWN = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const SHORT = 1_500;

// Each case breaks a fresh server of the given kind; one peer judges all of them.
function configFaultCases(kind: 'namespace' | 'nspawn'): void {
  describe(`${kind} host`, function () {
    let peer: LabHost;
    let server: Host;
    let addr: string;
    let n = 0;

    before(async function () {
      if (kind === 'nspawn' && SKIP_NSPAWN) this.skip();
      peer = await LabHost.create({ name: `cf${kind[0]}peer`, postfix: false });
    });
    after(async function () {
      await peer?.destroy();
    });
    beforeEach(async function () {
      this.timeout(120_000);
      const name = `cf${kind[0]}${n++}`;
      server = kind === 'nspawn' ? await NspawnHost.create({ name }) : await LabHost.create({ name });
      addr = (await link(server, peer)).aAddr;
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'banner', 'precondition: the peer is greeted');
    });
    afterEach(async function () {
      await server?.destroy();
    });

    it('reload trap: main.cf says all, the master still listens on loopback only', async function () {
      this.timeout(60_000);
      const fault = await injectReloadTrap(server);
      assert.equal(fault.reload.code, 0);
      assert.equal(await postconfGet(server, 'inet_interfaces'), 'all');
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
      assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).kind, 'banner');
      const log = await postfixLog(server);
      assert.match(log, /warning: service smtp: ignoring inet_interfaces change/);
      assert.match(log, /warning: to change inet_interfaces, stop and start Postfix/);
    });

    for (const variant of ['commented', 'master-service-disable'] as const) {
      it(`smtp service disabled (${variant}): master runs, nothing on :25`, async function () {
        this.timeout(60_000);
        const fault = await injectSmtpServiceDisabled(server, variant);
        assert.equal(fault.reload.code, 0);
        assert.equal(await postfixIsRunning(server), true, 'postfix status says running');
        assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
        assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).kind, 'refused');
        // `postfix check` is content: neither edit is an error to Postfix.
        assert.equal((await server.exec(['postfix', 'check'])).code, 0);
        if (variant === 'commented') {
          assert.match(await server.readFile('/etc/postfix/master.cf'), /^#smtp +inet +n +- +y +- +- +smtpd$/m);
          assert.equal((await server.execOk(['postconf', '-M', 'smtp/inet'])).stdout.trim(), '');
        } else {
          assert.equal(await postconfGet(server, 'master_service_disable'), 'inet');
        }
      });
    }

    it('inet_interfaces names an address the host lacks: Postfix does not start', async function () {
      this.timeout(60_000);
      const fault = await injectUnknownInterfaceAddress(server);
      assert.equal(fault.inetInterfaces, '127.0.0.1, 192.0.2.77');
      assert.equal(await postfixIsRunning(server), false);
      assert.equal((await smtpProbe(peer, addr, 25, SHORT)).kind, 'refused');
      assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).kind, 'refused');
      const fatal = 'fatal: parameter inet_interfaces: no local interface found for 192.0.2.77';
      if (kind === 'namespace') {
        assert.equal(fault.postfixStart.code, 1);
        assert.match(fault.postfixStart.stdout, new RegExp(`postfix: ${fatal}`));
      } else {
        // postfix.service is a oneshot that only Wants postfix@-: its start "succeeds".
        assert.equal(fault.postfixStart.code, 0);
        assert.equal((await server.exec(['systemctl', 'is-active', 'postfix@-.service'])).stdout.trim(), 'failed');
        await waitForPostfixLog(server, new RegExp(fatal));
      }
    });

    it('smtpd dies at start-up (SASL via a Dovecot socket that is not there)', async function () {
      this.timeout(60_000);
      await injectSmtpdFatalAtStartup(server);
      assert.equal(await postfixIsRunning(server), true, 'the master itself runs');
      // The first client is accepted, then dropped before any banner when smtpd exits.
      const first = await smtpProbe(peer, addr, 25, 5_000);
      assert.equal(first.kind, 'error', JSON.stringify(first));
      assert.equal(first.detail, 'connection closed before the banner');
      await waitForPostfixLog(server, /warning: \/usr\/lib\/postfix\/sbin\/smtpd: bad command startup -- throttling/);
      // Throttled: the kernel still completes the handshake, nobody answers.
      const next = await smtpProbe(peer, addr, 25, SHORT);
      assert.equal(next.kind, 'banner-timeout', JSON.stringify(next));
      const log = await postfixLog(server);
      assert.match(log, /warning: SASL: Connect to Dovecot auth socket 'private\/auth' failed: No such file or directory/);
      assert.match(log, /fatal: no SASL authentication mechanisms/);
      assert.match(log, /warning: process \/usr\/lib\/postfix\/sbin\/smtpd pid \d+ exit status 1/);
      console.log(`      first client: closed after ${first.ms} ms; then: ${next.kind}`);
    });
  });
}

describe('lab: Postfix configuration faults', function () {
  configFaultCases('namespace');
  configFaultCases('nspawn');

  describe('renumbered under a running Postfix (namespace host)', function () {
    let peer: LabHost;
    let server: LabHost;
    before(async function () {
      peer = await LabHost.create({ name: 'cfrpeer', postfix: false });
      server = await LabHost.create({ name: 'cfrsrv' });
    });
    after(async function () {
      await Promise.all([server?.destroy(), peer?.destroy()]);
    });

    it('the master keeps the lost address; postfix stop|status|reload all die with the fatal', async function () {
      const { aAddr, subnet } = await link(server, peer);
      const newAddr = `${subnet.split('.').slice(0, 3).join('.')}.9`;
      const fault = await injectUnknownInterfaceAddress(server, { address: aAddr, renumberTo: `${newAddr}/24` });
      assert.equal(fault.variant, 'renumbered-while-running');
      assert.equal(fault.newAddress, newAddr);
      const fatal = new RegExp(`postfix: fatal: parameter inet_interfaces: no local interface found for ${aAddr.replaceAll('.', '\\.')}`);
      for (const command of ['status', 'stop', 'reload']) {
        // `script` gives postfix a tty: it prints its fatal errors only on a terminal.
        const r = await server.exec(['script', '-qec', `postfix ${command}`, '/dev/null']);
        assert.equal(r.code, 1, `postfix ${command}`);
        assert.match(r.stdout, fatal, `postfix ${command}`);
      }
      // Still running, still bound to the address the host no longer has.
      const bound = await listeners(server, 25);
      assert.deepEqual(bound.map((l) => l.address).sort(), ['127.0.0.1', aAddr].sort());
      assert.ok(bound.some((l) => l.address === aAddr && l.processes.some((p) => p.name === 'master')), JSON.stringify(bound));
      assert.equal((await smtpProbe(peer, newAddr, 25, SHORT)).kind, 'refused');
      // Even loopback gets no banner: each new smtpd checks inet_interfaces too, and dies.
      const local = await smtpProbe(server, '127.0.0.1', 25, 2_000);
      assert.ok(['error', 'banner-timeout'].includes(local.kind), JSON.stringify(local));
      await waitForPostfixLog(server, new RegExp(`postfix/smtpd\\[\\d+\\]: ${fatal.source.replace('postfix: ', '')}`));
      await waitForPostfixLog(server, /bad command startup -- throttling/);
      console.log(`      127.0.0.1:25 from inside: ${local.kind} after ${local.ms} ms`);
    });
  });
});
