import assert from 'node:assert/strict';
import { createCauseProbe, runDiagnose } from '../../../src/engine/diagnose.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { factsWith, healthyFacts, stoppedFacts } from '../probes/helpers/facts.js';
import { BANNER, emptyRoot, fakeDialer } from '../probes/helpers/probe-ctx.js';
import { RUNBOOKS } from './helpers/runbooks.js';
import type { Dialer } from '../../../src/core/dial.js';
import { PROBES } from '../../../src/probes/registry.js';

const HEALTHY_EXEC = () => fakeExec([
  { argv: ['postfix', 'status'], result: { exitCode: 0 } },
  { argv: ['script'], result: { exitCode: 0 } },
]);
const greeting = fakeDialer({ '127.0.0.1:25': BANNER, '10.0.0.5:25': BANNER });

/** A DROPped SYN: nothing until the dial's own timeout (or deadline). */
const dropping: Dialer = (host, port, o) =>
  new Promise((resolve) => {
    const wait = Math.min(o.connectTimeoutMs, (o.deadline ?? Infinity) - Date.now());
    setTimeout(() => resolve({ outcome: 'timeout', host, port, ms: wait }), Math.max(0, wait)).unref();
  });

describe('engine/diagnose: runDiagnose', function () {
  this.timeout(15_000);

  it('a healthy host: exit 0, no problem, every check accounted for', async () => {
    const { report, exitCode } = await runDiagnose({ exec: HEALTHY_EXEC(), fs: emptyRoot(), profile: debianProfile(), facts: healthyFacts(), runbooks: RUNBOOKS, timeoutMs: 5_000, offline: true, dialer: greeting, isRoot: true });
    const problems = report.findings.filter((f) => f.status === 'fail' || f.status === 'warn');
    assert.deepEqual(problems.map((f) => f.title), []);
    assert.equal(exitCode, ExitCode.Ok);
    assert.equal(report.status, 'healthy');
    assert.equal(report.topCause, null);
    assert.equal(report.timings.probes.length, PROBES.length);
  });

  it('Postfix stopped: exit 7 with the runbook that starts it', async () => {
    const { report, exitCode } = await runDiagnose({ exec: fakeExec([{ argv: ['postfix', 'status'], result: { exitCode: 1 } }, { argv: ['script'], result: { exitCode: 0 } }]), fs: emptyRoot(), profile: debianProfile(), facts: stoppedFacts(), runbooks: RUNBOOKS, timeoutMs: 5_000, offline: true, dialer: fakeDialer({}), isRoot: true });
    assert.equal(exitCode, ExitCode.ChangesNeeded);
    assert.equal(report.topCause?.cause, 'postfix-stopped');
    assert.equal(report.topCause?.command, 'postfix-fix run --runbook postfix-service');
  });

  it('outbound 25 blocked and nothing else: exit 4, needs a human', async () => {
    const exec = fakeExec([
      { argv: ['postfix', 'status'], result: { exitCode: 0 } },
      { argv: ['script'], result: { exitCode: 0 } },
      { argv: ['dig', '+time=1', '+tries=1', '+noall', '+comments', '+answer', 'MX', 'gmail.test'], result: { stdout: 'status: NOERROR\ngmail.test. 60 IN MX 5 mx.gmail.test.\n' } },
      { argv: ['dig'], result: { stdout: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR\nx. 60 IN MX 10 mx.example.test.\nmx.gmail.test. 60 IN A 192.0.2.25\n' } },
    ]);
    const dialer: Dialer = (host, port, o) => (host === '192.0.2.25' ? dropping(host, port, o) : greeting(host, port, o));
    const { report, exitCode } = await runDiagnose({ exec, fs: emptyRoot(), profile: debianProfile(), facts: healthyFacts(), runbooks: RUNBOOKS, timeoutMs: 2_000, offline: false, outboundDomain: 'gmail.test', dialer, isRoot: true });
    assert.equal(report.topCause?.cause, 'outbound-smtp-blocked');
    assert.equal(exitCode, ExitCode.NeedsHuman);
  });

  it('worst case — every port DROPped, the resolver silent — still ends within --timeout', async () => {
    const exec = fakeExec([
      { argv: ['postfix', 'status'], result: { exitCode: 0 } },
      { argv: ['script'], result: { exitCode: 0 } },
      { argv: ['dig'], delayMs: 60_000 },
    ]);
    const started = Date.now();
    const { report } = await runDiagnose({ exec, fs: emptyRoot(), profile: debianProfile(), facts: healthyFacts(), runbooks: RUNBOOKS, timeoutMs: 1_500, offline: false, dialer: dropping, isRoot: true });
    const took = Date.now() - started;
    assert.ok(took <= 1_500, `took ${took} ms`);
    assert.equal(report.topCause?.cause, 'firewall-blocks-smtp');
    assert.ok(report.findings.some((f) => f.check === 'dns' && f.cause === 'dns-resolver-down'));
  });

  it('gathers facts itself when not given, with `postfix check` started while they are gathered', async () => {
    const exec = fakeExec([{ argv: ['script'], result: { exitCode: 0 } }], ['postfix']);
    const { report, facts } = await runDiagnose({ exec, fs: emptyRoot(), profile: debianProfile(), runbooks: RUNBOOKS, timeoutMs: 3_000, offline: true, dialer: fakeDialer({}), isRoot: true });
    assert.equal(facts.postfix.installed, false);
    assert.equal(report.topCause?.cause, 'postfix-not-installed');
    // No running master here, so the warm-up starts the check (concurrently with fact gathering,
    // which fake commands cannot show); it runs once, never a second time.
    assert.equal(exec.calls.filter((c) => c.argv[0] === 'script').length, 1, exec.calls.map((c) => c.argv[0]).join(' '));
  });

  it('a runbook\'s `gone` check re-runs only the probes that can report the cause', async () => {
    const probe = createCauseProbe({ exec: HEALTHY_EXEC(), fs: emptyRoot(), profile: debianProfile(), timeoutMs: 2_000, offline: true, dialer: greeting, isRoot: true });
    assert.deepEqual((await probe('postfix-stopped', healthyFacts())).found, false);
    const lo = factsWith((f) => {
      f.postfix.params.inet_interfaces = 'loopback-only';
      f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }];
    });
    const r = await probe('loopback-only', lo);
    assert.equal(r.found, true);
  });
});
