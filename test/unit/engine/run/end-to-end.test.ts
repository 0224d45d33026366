// The end-to-end proof with a scripted dialer: what it dials, and how it judges the answers.
import assert from 'node:assert/strict';
import { RELAY_PROBE_RECIPIENT, proveEndToEnd } from '../../../../src/engine/run/end-to-end.js';
import type { DialResult } from '../../../../src/core/dial.js';
import type { Facts } from '../../../../src/facts/types.js';
import { testContext } from '../../helpers/context.js';
import { factsWith } from '../../probes/helpers/facts.js';
import { BANNER, fakeDialer } from '../../probes/helpers/probe-ctx.js';
import type { DialOptions } from '../../../../src/core/dial.js';
import type { Executor } from '../../../../src/core/exec.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';

const rcpt = (code: number, text: string): Partial<DialResult> => ({ ...BANNER, dialogue: [{ command: 'EHLO', code: 250, text: '250-mx1 250 PIPELINING' }, { command: 'MAIL', code: 250, text: '250 2.1.0 Ok' }, { command: 'RCPT', code, text }] });

function prove(facts: Facts, answers: (host: string, port: number, o: DialOptions) => Partial<DialResult>, exec?: Executor) {
  const dialled: Array<{ host: string; port: number; options: DialOptions }> = [];
  const base = fakeDialer({}, dialled);
  const ctx = { ...testContext(facts), ...(exec ? { exec } : {}), dialer: async (host: string, port: number, o: DialOptions) => ({ ...(await base(host, port, o)), ...answers(host, port, o) }) };
  return { checks: proveEndToEnd(ctx), dialled };
}

describe('engine run: the end-to-end proof', () => {
  const facts = (edit: (f: Facts) => void = () => undefined) => factsWith((f) => {
    f.postfix.params.mydestination = '$myhostname, mx1.example.test, localhost';
    f.postfix.params.myhostname = 'mx1.example.test';
    edit(f);
  });

  it('greets on the own address, firewall passes, postmaster accepted, relay refused: every check ok', async () => {
    const { checks, dialled } = prove(facts(), (_h, _p, o) => (o.mail?.to === RELAY_PROBE_RECIPIENT ? rcpt(554, '554 5.7.1 Relay access denied') : rcpt(250, '250 2.1.5 Ok')));
    const r = await checks;
    assert.deepEqual(r.map((c) => [c.name, c.ok]), [
      ["Postfix greets on this host's own addresses (25)", true],
      ['every loaded firewall lets strangers reach those ports (rules walked)', true],
      ['mail to postmaster@mx1.example.test is accepted up to RCPT', true],
      ['relaying for a stranger is refused', true],
    ]);
    assert.deepEqual(dialled.map((d) => [d.host, d.port, d.options.mail?.to ?? null]), [['10.0.0.5', 25, 'postmaster@mx1.example.test'], ['10.0.0.5', 25, RELAY_PROBE_RECIPIENT]]);
    assert.ok(!r[2]?.evidence.some((e) => e.startsWith('EHLO →')), 'EHLO keywords left out once answered');
  });

  it('an accepted relay, a refused postmaster and a refused connection each fail their check', async () => {
    const open = await prove(facts(), () => rcpt(250, '250 2.1.5 Ok')).checks;
    assert.equal(open.at(-1)?.ok, false);
    const refused = await prove(facts(), () => rcpt(451, '451 4.3.5 Server configuration error')).checks;
    assert.equal(refused[2]?.ok, false);
    const down = await prove(facts(), () => ({ outcome: 'refused', detail: 'ECONNREFUSED' })).checks;
    assert.deepEqual(down.map((c) => c.ok), [false, true, false, null]);
  });

  it('a host with only loopback is proven on 127.0.0.1, relaying judged from its settings (loopback is trusted)', async () => {
    const r = await prove(facts((f) => {
      f.network.interfaces = f.network.interfaces.filter((i) => i.loopback);
    }), () => rcpt(250, '250 2.1.5 Ok')).checks;
    assert.equal(r[0]?.name, 'Postfix greets on 127.0.0.1 (this host has no other address) (25)');
    assert.deepEqual(r.map((c) => c.ok), [true, true, true, true]);
    assert.match(r[3]?.evidence[0] ?? '', /is in mynetworks \(trusted to relay\): judged from the settings instead/);
  });

  it('dials the own addresses Postfix serves (inet_interfaces may leave some out on purpose); all of them when it serves none', async () => {
    const two = (edit: (f: Facts) => void) => facts((f) => {
      f.network.interfaces.push({ name: 'eth1', up: true, loopback: false, addresses: [{ family: 4, address: '192.0.2.7', prefixLength: 24 }] });
      edit(f);
    });
    const only = prove(two((f) => {
      f.listeners = [{ family: 4, address: '10.0.0.5', port: 25, pid: 100, process: 'master' }];
    }), () => rcpt(250, '250 2.1.5 Ok'));
    await only.checks;
    assert.deepEqual([...new Set(only.dialled.map((d) => d.host))], ['10.0.0.5']);
    const none = prove(two((f) => {
      f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }];
    }), () => ({ outcome: 'refused' }));
    assert.equal((await none.checks)[0]?.ok, false);
    assert.deepEqual([...new Set(none.dialled.map((d) => d.host))], ['10.0.0.5', '192.0.2.7']);
  });

  it("another MTA's 220 on the port is not Postfix greeting", async () => {
    const r = await prove(facts((f) => {
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 77, process: 'exim4' }];
    }), () => ({ outcome: 'banner', code: 220, banner: '220 mx1 ESMTP Exim 4.96' })).checks;
    assert.equal(r[0]?.ok, false);
    assert.equal(r[0]?.evidence.at(-1), 'Postfix does not listen there on port 25 (0.0.0.0: exim4)');
  });

  // ss timed out while the facts were gathered on a loaded host: the fallback (no socket at all)
  // must not say "nothing listens" of a host that greets.
  it('listening sockets the facts could not read are read again; unread again, who answers is not proven, and said so', async () => {
    const unread = (f: Facts) => {
      f.listeners = [];
      f.errors.push({ fact: 'listeners', message: 'ss -Hltnp: no answer within 2000 ms' });
    };
    const ok = () => rcpt(250, '250 2.1.5 Ok');
    const ss = fakeExec([{ argv: ['ss'], result: { stdout: 'LISTEN 0 100 0.0.0.0:25 0.0.0.0:* users:(("master",pid=100,fd=12))\n' } }]);
    const again = await prove(facts(unread), ok, ss).checks;
    assert.equal(again[0]?.ok, true, JSON.stringify(again[0]));
    assert.ok(ss.calls.some((c) => c.argv[0] === 'ss'));
    const hung = fakeExec([{ argv: ['ss'], result: { exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: 2000 } }]);
    const notProven = await prove(facts(unread), ok, hung).checks;
    assert.equal(notProven[0]?.ok, false);
    assert.match(notProven[0]?.evidence.at(-1) ?? '', /^who answers is not proven: the listening sockets could not be read \(ss -Hltnp: no answer within 2000 ms\), nor again now/);
    assert.ok(!notProven[0]?.evidence.some((e) => /nothing does/.test(e)));
  });

  it('a firewall that drops strangers fails the proof though the host greets itself (lo is accepted first)', async () => {
    const r = await prove(facts((f) => {
      f.firewall.active = ['ufw'];
      f.firewall.verdicts = [{ backend: 'ufw', port: 25, iface: 'eth0', verdict: 'drop', detail: 'policy DROP of ufw-user-input' }];
    }), (_h, _p, o) => (o.mail?.to === RELAY_PROBE_RECIPIENT ? rcpt(454, '454 4.7.1 Relay access denied') : rcpt(250, '250 2.1.5 Ok'))).checks;
    assert.deepEqual(r.map((c) => c.ok), [true, false, true, true]);
  });
});
