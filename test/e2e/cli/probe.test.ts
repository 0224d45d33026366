// `postfix-fix probe`, run where it is meant to run: on a client's machine (a lab host without
// Postfix), against mail servers (lab hosts with real Postfix) broken the way production breaks
// — each reached over its own veth link. What the client sees is all it has; the test asserts
// what the probe makes of it on every fault, and where two faults look the same from outside
// (a TCP reset is a TCP reset), that the probe names both rather than guessing.
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import probeSchema from '../../../schemas/probe-report.schema.json' with { type: 'json' };
import { validateWith } from '../../../src/core/validate.js';
import {
  LabHost,
  enableSubmission,
  injectFail2banBan,
  injectGreetingRefusal,
  injectIptablesBlock25,
  injectListenerHolds25,
  injectLoopbackOnly,
  injectNftablesBlock25,
  injectPostfixStopped,
  link,
  makeCertificate,
  pollUntil,
  runCli,
  startDaemon,
  useCertificate,
} from '../lab/index.js';
import type { CliResult, Host, LabCertificate } from '../lab/index.js';
import { REPO_ROOT } from '../lab/paths.js';
import type { PortVerdict, ProbeReport } from '../../../src/probes/client/types.js';

const SHOW = process.env['PROBE_SHOW'] === '1';

interface Probed {
  cli: CliResult;
  report: ProbeReport;
}

/** What tells one fault from another, as the probe reports it. */
const signature = (v: PortVerdict): string => [v.outcome, v.refusal ?? '-', v.causes[0]?.cause ?? v.causes[0]?.text ?? '-', v.evidence.join(' | ')].join(' / ');

describe('e2e: postfix-fix probe from a client machine, on lab faults', function () {
  this.timeout(180_000);
  let client: LabHost;
  const servers: Host[] = [];
  const seen = new Map<string, PortVerdict>();

  before(async () => {
    client = await LabHost.create({ name: 'probe-client', postfix: false });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.destroy()));
    await client?.destroy();
  });

  async function server(name: string): Promise<{ host: LabHost; addr: string; clientAddr: string }> {
    const host = await LabHost.create({ name });
    servers.push(host);
    const { aAddr, bAddr } = await link(host, client);
    return { host, addr: aAddr, clientAddr: bAddr };
  }

  async function probe(args: string[], label = args.join(' ')): Promise<Probed> {
    const cli = await runCli(client, ['probe', ...args, '--json'], { timeoutMs: 60_000 });
    assert.ok(cli.json, `probe ${label}: no JSON (exit ${cli.code})\n${cli.stdout}\n${cli.stderr}`);
    const report = cli.json as ProbeReport;
    assert.deepEqual(validateWith(probeSchema, report), [], 'valid against schemas/probe-report.schema.json');
    assert.equal(cli.code, report.exitCode);
    assert.equal(cli.stderr, '', 'nothing on stderr');
    if (SHOW) {
      const text = await runCli(client, ['probe', ...args], { timeoutMs: 60_000 });
      console.log(`\n$ postfix-fix probe ${args.join(' ')}\n${text.stdout}(exit ${text.code})`);
    }
    return { cli, report };
  }

  async function fault(name: string, inject: (h: LabHost, clientAddr: string) => Promise<unknown>): Promise<{ verdict: PortVerdict; report: ProbeReport; addr: string }> {
    const s = await server(`pr-${name}`);
    await inject(s.host, s.clientAddr);
    const { report } = await probe([s.addr, '--timeout', '4'], name);
    assert.equal(report.results.length, 1);
    const verdict = report.results[0] as PortVerdict;
    assert.deepEqual([verdict.address, verdict.port], [s.addr, 25]);
    assert.equal(report.source, s.clientAddr, 'this machine\'s address towards the server');
    seen.set(name, verdict);
    return { verdict, report, addr: s.addr };
  }

  const causeIds = (v: PortVerdict): string[] => v.causes.map((c) => c.cause).filter((c): c is string => c !== undefined);

  it('healthy: greets, with the name it gives, STARTTLS and the certificate; exit 0', async () => {
    let cert: LabCertificate | undefined;
    const { verdict, report } = await fault('healthy', async (h) => {
      cert = await makeCertificate(h);
      await useCertificate(h, cert);
    });
    assert.equal(report.exitCode, 0);
    assert.equal(report.ok, true);
    assert.deepEqual([verdict.outcome, verdict.greets, verdict.code, verdict.software], ['banner', true, 220, 'Postfix']);
    assert.match(verdict.banner ?? '', /^220 \S+ ESMTP Postfix/);
    assert.equal(verdict.name, /^220 (\S+)/.exec(verdict.banner ?? '')?.[1]);
    assert.deepEqual(verdict.causes, []);
    assert.deepEqual(report.context, [], 'a healthy port costs no further dials');
    assert.deepEqual(report.next, []);
    assert.deepEqual([verdict.tls?.mode, verdict.tls?.offered, verdict.tls?.ok], ['starttls', true, true], JSON.stringify(verdict.tls));
    assert.equal(verdict.tls?.certificate?.fingerprint256, cert?.fingerprint256, 'the certificate Postfix serves');
    assert.deepEqual(verdict.tls?.certificate?.altNames, cert?.altNames);
    assert.equal(verdict.tls?.certificate?.notAfter, cert?.notAfter.toISOString());
    assert.deepEqual([verdict.tls?.certificate?.selfSigned, verdict.tls?.trusted], [true, false]);
    assert.deepEqual(verdict.warnings, []);
  });

  it('no certificate configured (the lab\'s pristine main.cf): greets, STARTTLS not offered is a warning, exit still 0', async () => {
    const s = await server('pr-notls');
    const { report } = await probe([s.addr, '--timeout', '4']);
    const v = report.results[0] as PortVerdict;
    assert.deepEqual([report.exitCode, v.outcome, v.tls?.offered], [0, 'banner', false]);
    assert.match(v.warnings[0] ?? '', /STARTTLS is not offered \(starttls-missing\)/);
  });

  it('Postfix stopped: refused by a TCP reset on every mail port; the causes that fit, stopped first', async () => {
    const { verdict, report } = await fault('stopped', (h) => injectPostfixStopped(h));
    assert.equal(report.exitCode, 4);
    assert.deepEqual([verdict.outcome, verdict.refusal], ['refused', 'reset']);
    assert.deepEqual(causeIds(verdict).slice(0, 4), ['postfix-stopped', 'loopback-only', 'smtp-service-disabled', 'firewall-blocks-smtp']);
    assert.deepEqual(report.context.map((c) => [c.port, c.outcome]), [[465, 'refused'], [587, 'refused']]);
    assert.match(report.next[0] ?? '', /^on the server: postfix-fix diagnose --from 10\.231\.\d+\.2 --port 25$/);
  });

  it('loopback only: from outside exactly what a stopped Postfix looks like; named among the causes', async () => {
    const { verdict } = await fault('loopback', (h) => injectLoopbackOnly(h));
    assert.equal(signature(verdict), signature(seen.get('stopped') as PortVerdict), 'nothing outside tells the two apart');
    assert.ok(causeIds(verdict).includes('loopback-only'));
  });

  it('REJECT --reject-with tcp-reset on 25: a reset again; with nothing else served there, the same answer, the firewall named', async () => {
    const { verdict } = await fault('reset', (h) => injectIptablesBlock25(h, { action: 'reject' }));
    assert.equal(signature(verdict), signature(seen.get('stopped') as PortVerdict));
    assert.ok(causeIds(verdict).includes('firewall-blocks-smtp'));
  });

  it('REJECT tcp-reset on 25 while 587 is served: Postfix runs there, so the firewall (or a disabled smtp service), not a stopped Postfix', async () => {
    const s = await server('pr-reset587');
    await enableSubmission(s.host, { services: ['submission'] });
    await injectIptablesBlock25(s.host, { action: 'reject' });
    const { report } = await probe([s.addr, '--timeout', '4'], 'reset with 587 served');
    const verdict = report.results[0] as PortVerdict;
    assert.deepEqual([verdict.outcome, verdict.refusal], ['refused', 'reset']);
    assert.deepEqual(causeIds(verdict), ['smtp-service-disabled', 'firewall-blocks-smtp']);
    assert.ok(verdict.evidence.some((e) => /runs and listens on this address: port 587 greets/.test(e)), verdict.evidence.join('\n'));
    seen.set('reset-587', verdict);
  });

  it('nftables reject with icmpx admin-prohibited: unreachable (ICMP), a firewall; the other ports answer, so the host is up', async () => {
    const { verdict } = await fault('icmp', (h) => injectNftablesBlock25(h, 'reject-icmpx'));
    assert.deepEqual([verdict.outcome, verdict.detail], ['unreachable', 'EHOSTUNREACH']);
    assert.equal(causeIds(verdict)[0], 'firewall-blocks-smtp');
    assert.ok(verdict.evidence.some((e) => /the host is up: ports 465 and 587 on this address answer/.test(e)), verdict.evidence.join('\n'));
    assert.ok(!verdict.causes.some((c) => /host is down/.test(c.text)));
  });

  it('DROP: timeout, within --timeout; only 25 is dropped (the other ports answer)', async () => {
    const { verdict, report } = await fault('drop', (h) => injectIptablesBlock25(h, { action: 'drop' }));
    assert.equal(verdict.outcome, 'timeout');
    assert.equal(causeIds(verdict)[0], 'firewall-blocks-smtp');
    assert.ok(verdict.causes.some((c) => /security group/.test(c.text)));
    assert.ok(verdict.evidence.some((e) => /only port 25 is dropped/.test(e)), verdict.evidence.join('\n'));
    assert.ok(report.durationMs <= report.timeoutMs + 100, `${report.durationMs} ms under --timeout ${report.timeoutMs} ms`);
  });

  it('a fail2ban ban of this client: ICMP port-unreachable on 25, 465 and 587 — a ban of this client first', async () => {
    const { verdict, report } = await fault('fail2ban', (h, clientAddr) => injectFail2banBan(h, clientAddr));
    assert.deepEqual([verdict.outcome, verdict.refusal], ['unreachable', 'icmp']);
    assert.match(verdict.causes[0]?.text ?? '', /ban of this machine's address: fail2ban/);
    assert.ok(verdict.evidence.some((e) => /ports 25, 465 and 587 are all rejected this way: the pattern of a ban/.test(e)), verdict.evidence.join('\n'));
    assert.deepEqual(report.context.map((c) => [c.port, c.outcome]), [[465, 'unreachable'], [587, 'unreachable']]);
  });

  it('a 554 greeting: rejected, with the refusal\'s text; Postfix refusing the client at connect time', async () => {
    const { verdict } = await fault('greet554', (h) => injectGreetingRefusal(h));
    assert.deepEqual([verdict.outcome, verdict.code, verdict.greets], ['rejected', 554, false]);
    assert.match(verdict.banner ?? '', /^554 5\.7\.1 .*Client host rejected: Access denied/);
    assert.equal(causeIds(verdict)[0], 'smtp-banner-rejects');
  });

  it('a listener that never greets: no-banner, smtpd waiting or a foreign program first', async () => {
    const { verdict, report } = await fault('silent', (h) => injectListenerHolds25(h));
    assert.equal(verdict.outcome, 'no-banner');
    assert.ok(verdict.connectMs !== undefined, 'it did connect');
    assert.deepEqual(causeIds(verdict).slice(0, 2), ['smtp-no-banner', 'port-held-by-unknown']);
    assert.ok(report.durationMs <= report.timeoutMs + 100, `${report.durationMs} ms`);
  });

  it('tells the faults apart: one reading per fault, except what no client can tell (a TCP reset is a TCP reset)', () => {
    const distinct = ['healthy', 'stopped', 'reset-587', 'icmp', 'drop', 'fail2ban', 'greet554', 'silent'];
    for (const f of distinct) assert.ok(seen.has(f), `${f} probed`);
    const sigs = distinct.map((f) => signature(seen.get(f) as PortVerdict));
    assert.equal(new Set(sigs).size, distinct.length, sigs.join('\n'));
    // Stopped, loopback only and a tcp-reset rule on a host serving only 25: identical packets on
    // the wire. The probe names all three, and the next step: diagnose on the server.
    for (const f of ['loopback', 'reset']) assert.equal(signature(seen.get(f) as PortVerdict), sigs[1]);
  });

  it('submission ports: 587 STARTTLS and 465 TLS from the first byte greet, with the certificate enableSubmission made', async () => {
    const s = await server('pr-submit');
    const sub = await enableSubmission(s.host);
    const { report } = await probe([s.addr, '--port', '25,587', '--port', '465', '--timeout', '6']);
    assert.equal(report.exitCode, 0, report.summary);
    assert.deepEqual(report.results.map((r) => [r.port, r.outcome, r.tls?.mode, r.tls?.ok]), [[25, 'banner', 'starttls', true], [587, 'banner', 'starttls', true], [465, 'banner', 'implicit', true]]);
    for (const r of report.results.slice(1)) assert.equal(r.tls?.certificate?.commonName, sub.certificate?.commonName);
  });

  it('--relay-test: MAIL/RCPT to an outside address from outside is refused at RCPT (nothing queued); exit 0', async () => {
    const s = await server('pr-relay');
    const { report } = await probe([s.addr, '--relay-test', '--timeout', '6']);
    const r = report.results[0] as PortVerdict;
    assert.equal(report.exitCode, 0);
    // Debian's smtpd_relay_restrictions end in defer_unauth_destination: a 454, still a refusal.
    assert.deepEqual([r.relay?.verdict, r.relay?.stage, r.relay?.code], ['refused', 'RCPT', 454]);
    assert.match(r.relay?.text ?? '', /Relay access denied/);
    const log = await s.host.readFile('/var/log/postfix.log');
    assert.match(log, /NOQUEUE: reject: RCPT from .*454 4\.7\.1 <relay-test@example\.net>: Relay access denied/);
    assert.match((await s.host.execOk(['postqueue', '-p'])).stdout, /Mail queue is empty/, 'nothing was queued');
  });

  describe('by name: MX and A from a resolver on the client (the tiny lab DNS)', () => {
    let addr = '';
    before(async () => {
      const s = await server('pr-named');
      addr = s.addr;
      const myhostname = (await s.host.execOk(['postconf', '-h', 'myhostname'])).stdout.trim();
      await useCertificate(s.host, await makeCertificate(s.host, { altNames: [myhostname, 'mx.lab.test'] }));
      const bundled = await build({ entryPoints: [`${REPO_ROOT}/test/unit/probes/helpers/tiny-dns.ts`], bundle: true, platform: 'node', format: 'esm', target: 'node18', write: false, logLevel: 'warning' });
      await client.writeFile('/root/tiny-dns.mjs', bundled.outputFiles[0]?.text ?? '', 0o644);
      await startDaemon(client, [client.nodeBin, '/root/tiny-dns.mjs', '127.0.0.1', addr], '/var/log/tiny-dns.log');
      await client.writeFile('/etc/resolv.conf', 'nameserver 127.0.0.1\n', 0o644);
      await pollUntil(async () => ((await client.exec(['dig', '+time=1', '+tries=1', '+short', 'MX', 'lab.test'])).stdout.includes('mx.lab.test') ? true : undefined), { timeoutMs: 20_000, what: 'the lab resolver answers' });
    });

    it('a domain: port 25 to its MX host, resolved through the system resolver; greets', async () => {
      const { report } = await probe(['lab.test', '--timeout', '5']);
      assert.equal(report.exitCode, 0, report.summary);
      assert.deepEqual(report.resolution.mx?.records, [{ preference: 10, host: 'mx.lab.test' }]);
      assert.deepEqual(report.results.map((r) => [r.address, r.port, r.host, r.via, r.servername]), [[addr, 25, 'mx.lab.test', 'mx', 'mx.lab.test']]);
      assert.equal(report.results[0]?.tls?.nameMatches, true, 'SNI and the name check use the MX host name');
      assert.ok(report.results[0]?.tls?.certificate?.altNames.includes('mx.lab.test'));
    });

    it('a name that does not exist: an outcome with its reason, exit 4, never a stack', async () => {
      const { report, cli } = await probe(['nx.lab.test', '--timeout', '5']);
      assert.equal(report.exitCode, 4);
      assert.deepEqual(report.results, []);
      assert.deepEqual(report.unresolved, [{ port: 25, reason: 'nx.lab.test does not exist in DNS (NXDOMAIN)' }]);
      assert.doesNotMatch(cli.stdout + cli.stderr, /^\s+at /m);
    });

    it('no MX and no A: said so', async () => {
      const { report } = await probe(['none.lab.test', '--timeout', '5']);
      assert.match(report.unresolved[0]?.reason ?? '', /has no MX and no A\/AAAA record/);
    });
  });

  it('bad input: --port outside 1-65535 or a TARGET that is no name: exit 2 with the reason, nothing dialled', async () => {
    const s = await server('pr-badinput');
    // Connections from the client only (the lab's own readiness check dials from inside the host).
    const connects = async (): Promise<number> => (await s.host.readFile('/var/log/postfix.log')).split('\n').filter((l) => l.includes(` connect from `) && l.includes(`[${s.clientAddr}]`)).length;
    const before = await connects();
    for (const [args, re] of [
      [['probe', s.addr, '--port', '25', '--port', '70000'], /--port "70000": not a TCP port/],
      [['probe', s.addr, '--port', '0,25'], /--port "0": not a TCP port/],
      [['probe', 'bob@lab.test'], /not an address or a host name[\s\S]*postfix-fix probe lab\.test/],
      [['probe'], /expected exactly one argument/],
    ] as const) {
      const r = await runCli(client, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
    assert.equal(await connects(), before, 'Postfix saw no connection');
    // The same server, asked properly, is dialled (so the count above could have moved).
    assert.equal((await runCli(client, ['probe', s.addr, '--timeout', '4'])).code, 0);
    await pollUntil(async () => ((await connects()) > before ? true : undefined), { timeoutMs: 10_000, what: 'smtpd logs the probe\'s connection' });
  });
});
