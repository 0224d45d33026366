import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { dnsProbe, isPublicName } from '../../../src/probes/dns.js';
import { parseDig, parseResolvConf, sortMx } from '../../../src/probes/dns/dig.js';
import { resolveInProcess } from '../../../src/probes/dns/query.js';
import { outboundProbe } from '../../../src/probes/outbound.js';
import { serveTinyDns } from './helpers/tiny-dns.js';
import type { Socket } from 'node:dgram';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { fakeDialer, probeCtx } from './helpers/probe-ctx.js';

// dig outputs captured in a namespace host against a tiny local DNS responder (helpers/tiny-dns.ts),
// and against a nameserver address that drops packets / has no route.
const dig = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const online = { offline: false, outboundDomain: 'example.test' };

describe('probes/dns: dig parsing', () => {
  it('reads answers, NXDOMAIN, NODATA and a dead resolver', () => {
    assert.deepEqual(parseDig(dig('dig-mx-ok.txt'), 'MX'), { status: 'ok', records: ['10 mx.example.test.'], detail: '1 MX record(s)' });
    assert.equal(parseDig(dig('dig-mx-nx.txt'), 'MX').status, 'nxdomain');
    assert.equal(parseDig(dig('dig-nodata.txt'), 'A').status, 'nodata');
    assert.deepEqual(parseDig(dig('dig-a.txt'), 'A').records, ['10.99.0.1']);
    assert.deepEqual(parseDig(dig('dig-mx-timeout.txt'), 'MX'), { status: 'timeout', records: [], detail: 'communications error to 10.77.0.1#53: timed out' });
    assert.equal(parseDig(dig('dig-mx-unreachable.txt'), 'MX').status, 'timeout');
    assert.deepEqual(sortMx(['20 b.example.', '10 a.example.']), [{ preference: 10, host: 'a.example' }, { preference: 20, host: 'b.example' }]);
    assert.deepEqual(parseResolvConf('# x\nnameserver 10.0.0.53\nsearch lab\nnameserver ::1\n'), ['10.0.0.53', '::1']);
  });
});

describe('probes/dns: MX for mydomain', () => {
  it('offline: skipped, nothing run', async () => {
    const exec = fakeExec([]);
    const [f] = await dnsProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.equal(f?.status, 'unknown');
    assert.equal(exec.calls.length, 0);
  });

  it('one try with a bounded wait: `dig +time=N +tries=1`', async () => {
    const exec = fakeExec([{ argv: ['dig'], result: { stdout: dig('dig-mx-ok.txt') } }]);
    const [f] = await dnsProbe.run(probeCtx(healthyFacts(), { exec, settings: online }));
    assert.equal(f?.title, 'MX for example.test: mx.example.test (10)');
    const argv = exec.calls[0]?.argv ?? [];
    assert.ok(argv.includes('+tries=1') && argv.some((a) => /^\+time=[12]$/.test(a)), argv.join(' '));
    assert.ok((exec.calls[0]?.options.timeoutMs ?? Infinity) <= 2_500);
  });

  it('a resolver that never answers: fail dns-resolver-down, for a human', async () => {
    const exec = fakeExec([{ argv: ['dig'], result: { exitCode: 9, stdout: dig('dig-mx-timeout.txt') } }]);
    const [f] = await dnsProbe.run(probeCtx(healthyFacts(), { exec, settings: online }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'dns-resolver-down']);
    assert.ok(f?.human);
  });

  it('no MX: warn mx-missing; a local-only mydomain is not checked', async () => {
    const exec = fakeExec([{ argv: ['dig'], result: { stdout: dig('dig-mx-nx.txt') } }]);
    assert.equal((await dnsProbe.run(probeCtx(healthyFacts(), { exec, settings: online })))[0]?.cause, 'mx-missing');
    const local = factsWith((f) => (f.postfix.params.mydomain = 'localdomain'));
    assert.equal((await dnsProbe.run(probeCtx(local, { exec: fakeExec([]), settings: online })))[0]?.status, 'ok');
    assert.ok(isPublicName('example.com') && !isPublicName('localdomain') && !isPublicName('host.local'));
  });
});

describe('probes/outbound: port 25 out', () => {
  const resolving = () =>
    fakeExec([
      { argv: ['dig', '+time=1', '+tries=1', '+noall', '+comments', '+answer', 'MX'], result: { stdout: dig('dig-mx-ok.txt') } },
      { argv: ['dig'], result: { stdout: dig('dig-a.txt').replace('10.99.0.1', '192.0.2.25') } },
    ]);

  it('connects to the MX of the configured domain, resolved now', async () => {
    const exec = resolving();
    const dialled: Parameters<typeof fakeDialer>[1] = [];
    const [f] = await outboundProbe.run(probeCtx(healthyFacts(), { exec, settings: online, dialer: fakeDialer({ '192.0.2.25:25': { outcome: 'banner', code: 220, banner: '220 mx ESMTP' } }, dialled) }));
    assert.equal(f?.status, 'ok');
    assert.deepEqual(dialled?.map((d) => `${d.host}:${d.port}`), ['192.0.2.25:25']);
    assert.ok(exec.calls[0]?.argv.includes('example.test'));
  });

  it('DNS fine, route present, SYN unanswered: the provider blocks 25 — steps for a human', async () => {
    const [f] = await outboundProbe.run(probeCtx(healthyFacts(), { exec: resolving(), settings: online, dialer: fakeDialer({ '192.0.2.25:25': { outcome: 'timeout' } }) }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'outbound-smtp-blocked']);
    for (const provider of ['AWS', 'Google Cloud', 'Azure', 'DigitalOcean', 'Hetzner']) assert.ok(f?.human?.steps.some((s) => s.includes(provider)), provider);
  });

  it('no default route: not blamed on the provider', async () => {
    const facts = factsWith((f) => (f.network.defaultRoutes = []));
    const [f] = await outboundProbe.run(probeCtx(facts, { exec: resolving(), settings: online, dialer: fakeDialer({ '192.0.2.25:25': { outcome: 'unreachable', detail: 'ENETUNREACH' } }) }));
    assert.equal(f?.status, 'unknown');
  });

  it('offline: skipped; DNS down: unknown', async () => {
    assert.equal((await outboundProbe.run(probeCtx(healthyFacts())))[0]?.status, 'unknown');
    const exec = fakeExec([{ argv: ['dig'], result: { exitCode: 9, stdout: dig('dig-mx-timeout.txt') } }]);
    assert.match((await outboundProbe.run(probeCtx(healthyFacts(), { exec, settings: online })))[0]?.title ?? '', /no MX/);
  });
});

describe('probes/dns: in-process resolver (on the host itself)', () => {
  // A tiny DNS on an ephemeral loopback port, and a socket that swallows every question.
  let dns: Socket;
  let silent: Socket;
  const at = (s: Socket) => `127.0.0.1:${s.address().port}`;
  before(async () => {
    dns = await serveTinyDns('127.0.0.1', 0, '192.0.2.25');
    silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  });
  after(() => {
    dns.close();
    silent.close();
  });

  it('answers MX and A, NXDOMAIN and NODATA', async () => {
    assert.deepEqual(await resolveInProcess([at(dns)], 'example.test', 'MX', 1_000), { status: 'ok', records: ['10 mx.example.test.'], detail: '1 MX record(s)' });
    assert.deepEqual((await resolveInProcess([at(dns)], 'mx.example.test', 'A', 1_000)).records, ['192.0.2.25']);
    assert.equal((await resolveInProcess([at(dns)], 'nx.example.test', 'MX', 1_000)).status, 'nxdomain');
    assert.equal((await resolveInProcess([at(dns)], 'example.test', 'A', 1_000)).status, 'nodata');
  });

  it('a resolver that never answers: timeout, within the budget, one try', async () => {
    const started = Date.now();
    const r = await resolveInProcess([at(silent)], 'example.test', 'MX', 400);
    assert.equal(r.status, 'timeout');
    assert.ok(Date.now() - started < 700, `${Date.now() - started} ms`);
  });
});
