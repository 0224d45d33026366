import assert from 'node:assert/strict';
import { meaningOf } from '../../../src/probes/classify.js';
import { reachabilityProbe } from '../../../src/probes/reachability.js';
import { smtpLocalProbe } from '../../../src/probes/smtp-local.js';
import { factsWith, healthyFacts, stoppedFacts } from './helpers/facts.js';
import { BANNER, fakeDialer, probeCtx } from './helpers/probe-ctx.js';
import type { DialOptions } from '../../../src/core/dial.js';

const res = (o: object) => ({ host: '10.0.0.5', port: 25, ms: 5, outcome: 'refused' as const, ...o });

describe('probes/classify: what a dial outcome means here', () => {
  it('maps each outcome to its cause, given who listens', () => {
    const h = healthyFacts();
    assert.equal(meaningOf(h, res({ outcome: 'banner', code: 220 })).status, 'ok');
    assert.equal(meaningOf(h, res({ outcome: 'banner', code: 554, banner: '554 go away' })).cause, 'smtp-banner-rejects');
    assert.equal(meaningOf(h, res({ outcome: 'banner-timeout' })).cause, 'smtp-no-banner');
    assert.equal(meaningOf(h, res({ outcome: 'timeout' })).cause, 'firewall-blocks-smtp');
    assert.equal(meaningOf(h, res({ outcome: 'unreachable', detail: 'EHOSTUNREACH' })).cause, 'firewall-blocks-smtp');
    // RST although master binds 0.0.0.0: a REJECT --reject-with tcp-reset
    assert.equal(meaningOf(h, res({ outcome: 'refused' })).cause, 'firewall-blocks-smtp');
    assert.equal(meaningOf(stoppedFacts(), res({ outcome: 'refused' })).cause, 'postfix-stopped');
    const lo = factsWith((f) => (f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }]));
    assert.equal(meaningOf(lo, res({ outcome: 'refused' })).cause, 'loopback-only');
    assert.equal(meaningOf(h, res({ outcome: 'error', detail: 'EADDRNOTAVAIL' })).status, 'unknown');
  });

  it('a banner from a port another program holds is not Postfix answering', () => {
    const exim = factsWith((f) => {
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 321, process: 'exim4' }];
      f.otherMtas = [{ name: 'exim', pid: 321, process: 'exim4', ports: [25], unit: null }];
    });
    const m = meaningOf(exim, res({ outcome: 'banner', code: 220, banner: '220 mx ESMTP Exim 4.96' }));
    assert.deepEqual([m.status, m.cause], ['fail', 'port-held-by-mta']);
  });
});

describe('probes/smtp-local', () => {
  it('greets with STARTTLS: ok; dials 127.0.0.1:25 with EHLO inside the probe\'s budget', async () => {
    const dialled: Array<{ host: string; port: number; options: DialOptions }> = [];
    const ctx = probeCtx(healthyFacts(), { dialer: fakeDialer({ '127.0.0.1:25': BANNER }, dialled) });
    const [f] = await smtpLocalProbe.run(ctx);
    assert.deepEqual([f?.status, f?.title], ['ok', '127.0.0.1:25 greets and offers STARTTLS']);
    assert.deepEqual(dialled.map((d) => `${d.host}:${d.port}:${d.options.ehlo}`), ['127.0.0.1:25:true']);
    assert.ok((dialled[0]?.options.deadline ?? Infinity) <= ctx.deadline);
  });

  it('no STARTTLS: a note on 25, a warning on 587', async () => {
    const facts = factsWith((f) => f.listeners.push({ family: 4, address: '0.0.0.0', port: 587, pid: 100, process: 'master' }));
    const plain = { ...BANNER, ehlo: ['PIPELINING', 'SIZE 10240000'] };
    const fs = await smtpLocalProbe.run(probeCtx(facts, { dialer: fakeDialer({ '127.0.0.1:25': plain, '127.0.0.1:587': plain }) }));
    assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['ok', null], ['warn', 'starttls-missing']]);
  });

  it('dropped on lo: fail firewall-blocks-smtp', async () => {
    const [f] = await smtpLocalProbe.run(probeCtx(healthyFacts(), { dialer: fakeDialer({ '127.0.0.1:25': { outcome: 'timeout' } }) }));
    assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'firewall-blocks-smtp', 'connection to 127.0.0.1:25 is dropped (timeout)']);
  });
});

describe('probes/reachability', () => {
  it('dials every outside, non-link-local address and reports per port', async () => {
    const dialled: Array<{ host: string; port: number; options: DialOptions }> = [];
    const fs = await reachabilityProbe.run(probeCtx(healthyFacts(), { dialer: fakeDialer({ '10.0.0.5:25': BANNER }, dialled) }));
    assert.deepEqual(dialled.map((d) => d.host), ['10.0.0.5']);
    assert.deepEqual(fs.map((f) => f.status), ['ok']);
  });

  it('the classification is the diagnosis: refused on a loopback-only Postfix', async () => {
    const facts = factsWith((f) => {
      f.postfix.params.inet_interfaces = 'loopback-only';
      f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }];
    });
    const [f] = await reachabilityProbe.run(probeCtx(facts));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'loopback-only']);
    assert.match(f?.evidence[0] ?? '', /10\.0\.0\.5:25 → refused/);
  });

  it('no address besides loopback: unknown', async () => {
    const facts = factsWith((f) => (f.network.interfaces = f.network.interfaces.filter((i) => i.loopback)));
    assert.equal((await reachabilityProbe.run(probeCtx(facts)))[0]?.status, 'unknown');
  });
});
