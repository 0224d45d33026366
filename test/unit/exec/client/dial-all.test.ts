// The probe's dials: all at once, then only on failure the context a client can still gather —
// how a refusal came (the kernel's ICMP counter around the dial) and the other mail ports of the
// address. A stand-in dialer and counter here (each scenario scripted); the real ones are proven
// on lab hosts in test/e2e/cli/probe.test.ts and on loopback in dial.test.ts / icmp.test.ts.
import assert from 'node:assert/strict';
import { dialAll } from '../../../../src/exec/client/dial-all.js';
import type { DialOptions, DialResult, Dialer } from '../../../../src/core/dial.js';
import type { DialTarget } from '../../../../src/exec/client/resolve.js';

type Behaviour = 'banner' | 'reset' | 'icmp' | 'drop' | 'admin';

/** A network where each address:port behaves as told; an ICMP refusal moves the counter. */
function network(map: Record<string, Behaviour>, o: { countable?: boolean } = {}) {
  const counters = { 4: 0, 6: 0 };
  const calls: Array<{ address: string; port: number; options: DialOptions }> = [];
  const dialer: Dialer = async (address, port, options) => {
    calls.push({ address, port, options });
    const b = map[`${address}:${port}`] ?? 'reset';
    const base = { host: address, port, ms: 1 };
    if (b === 'icmp' || b === 'admin') counters[address.includes(':') ? 6 : 4]++;
    const r: DialResult =
      b === 'banner' ? { ...base, outcome: 'banner', code: 220, banner: '220 mx ESMTP Postfix', connectMs: 1 }
      : b === 'drop' ? { ...base, outcome: 'timeout', detail: `no answer to the connection attempt within ${options.connectTimeoutMs} ms` }
      : b === 'admin' ? { ...base, outcome: 'unreachable', detail: 'EHOSTUNREACH' }
      : { ...base, outcome: 'refused', detail: 'ECONNREFUSED' };
    return r;
  };
  const icmp = { read: (f: 4 | 6) => (o.countable === false ? null : counters[f]) };
  const route = async (a: string) => (a.includes(':') && map['noroute6'] ? { source: null, error: 'ENETUNREACH' } : { source: a.includes(':') ? '2001:db8::2' : '10.0.0.2' });
  return { dialer, icmp, route, calls };
}

const t = (address: string, port: number): DialTarget => ({ address, port, host: null, via: 'address' });

describe('exec/client/dial-all: dials, refusals told apart, context on failure', () => {
  it('every port greets: one dial each, nothing more; STARTTLS asked for, 465 gets TLS first', async () => {
    const net = network({ '10.0.0.1:25': 'banner', '10.0.0.1:465': 'banner', '10.0.0.1:587': 'banner' });
    const r = await dialAll([t('10.0.0.1', 25), t('10.0.0.1', 465), t('10.0.0.1', 587)], { deadline: Date.now() + 5_000, ...net });
    assert.deepEqual(r.dials.map((d) => d.result.outcome), ['banner', 'banner', 'banner']);
    assert.equal(net.calls.length, 3);
    assert.deepEqual(r.context, []);
    assert.deepEqual(net.calls.map((c) => [c.port, c.options.starttls ?? false, c.options.implicitTls ?? false]), [[25, true, false], [465, false, true], [587, true, false]]);
  });

  it('a reset on 25: the counter did not move (reset); 465 and 587 dialled for context', async () => {
    const net = network({ '10.0.0.1:25': 'reset', '10.0.0.1:587': 'banner' });
    const r = await dialAll([t('10.0.0.1', 25)], { deadline: Date.now() + 5_000, ...net });
    assert.equal(r.dials[0]?.refusal, 'reset');
    assert.deepEqual(r.context.map((d) => [d.port, d.result.outcome, d.refusal]), [[465, 'refused', 'reset'], [587, 'banner', undefined]]);
    assert.equal(net.calls.filter((c) => c.port === 25).length, 1, 'settled from the batch: no second dial');
    assert.ok(net.calls.filter((c) => c.port !== 25).every((c) => !c.options.starttls), 'context dials stop at the greeting');
  });

  it('an ICMP port-unreachable on every mail port (a ban): told apart from a reset', async () => {
    const net = network({ '10.0.0.1:25': 'icmp', '10.0.0.1:465': 'icmp', '10.0.0.1:587': 'icmp' });
    const r = await dialAll([t('10.0.0.1', 25)], { deadline: Date.now() + 5_000, ...net });
    assert.equal(r.dials[0]?.refusal, 'icmp');
    assert.deepEqual(r.context.map((d) => d.refusal), ['icmp', 'icmp']);
  });

  it('mixed in one batch: each refused port dialled again alone, between two readings', async () => {
    const net = network({ '10.0.0.1:25': 'icmp', '10.0.0.1:465': 'reset', '10.0.0.1:587': 'icmp' });
    const r = await dialAll([t('10.0.0.1', 25), t('10.0.0.1', 465), t('10.0.0.1', 587)], { deadline: Date.now() + 5_000, ...net });
    assert.deepEqual(r.dials.map((d) => [d.port, d.refusal]), [[25, 'icmp'], [465, 'reset'], [587, 'icmp']]);
    assert.equal(net.calls.length, 6);
  });

  it('an admin-prohibited reject in the same batch as a refusal: the refusal is dialled again to tell', async () => {
    const net = network({ '10.0.0.1:25': 'admin', '10.0.0.1:587': 'icmp' });
    const r = await dialAll([t('10.0.0.1', 25), t('10.0.0.1', 587)], { deadline: Date.now() + 5_000, ...net });
    assert.equal(r.dials[1]?.refusal, 'icmp');
  });

  it('no counters (not Linux): the refusal is "unknown", never guessed', async () => {
    const net = network({ '10.0.0.1:25': 'reset' }, { countable: false });
    const r = await dialAll([t('10.0.0.1', 25)], { deadline: Date.now() + 5_000, ...net });
    assert.equal(r.dials[0]?.refusal, 'unknown');
  });

  it('with context to gather, an unanswered SYN gets about 60 % of the time left; without, all of it', async () => {
    const net = network({ '10.0.0.1:25': 'drop' });
    const deadline = Date.now() + 5_000;
    await dialAll([t('10.0.0.1', 25)], { deadline, ...net });
    const first = net.calls[0]?.options.connectTimeoutMs ?? 0;
    assert.ok(first > 2_700 && first <= 3_000, String(first));
    assert.ok((net.calls[0]?.options.deadline ?? Infinity) < deadline, 'a margin is kept for the report');
    const all = network({});
    await dialAll([t('10.0.0.1', 25), t('10.0.0.1', 465), t('10.0.0.1', 587)], { deadline: Date.now() + 5_000, ...all });
    assert.ok((all.calls[0]?.options.connectTimeoutMs ?? 0) > 4_500);
  });

  it('an IPv6 address from a machine without IPv6 is skipped (said why) when IPv4 can be dialled', async () => {
    const net = network({ noroute6: 'reset', '10.0.0.1:25': 'banner' });
    const r = await dialAll([t('10.0.0.1', 25), t('2001:db8::1', 25)], { deadline: Date.now() + 5_000, ...net });
    assert.deepEqual(r.dials.map((d) => d.address), ['10.0.0.1']);
    assert.deepEqual(r.skipped, [{ address: '2001:db8::1', reason: 'this machine has no route to it (ENETUNREACH)' }]);
    const only6 = await dialAll([t('2001:db8::1', 25)], { deadline: Date.now() + 5_000, ...network({ noroute6: 'reset' }) });
    assert.equal(only6.dials.length, 1, 'with nothing else to dial, it is dialled, so the failure is shown');
  });

  it('--relay-test: MAIL/RCPT asked of the asked ports only', async () => {
    const net = network({ '10.0.0.1:25': 'banner' });
    await dialAll([t('10.0.0.1', 25)], { deadline: Date.now() + 5_000, relayTest: true, ...net });
    assert.deepEqual(net.calls[0]?.options.mail, { from: 'postfix-fix-probe@example.org', to: 'relay-test@example.net' });
  });
});
