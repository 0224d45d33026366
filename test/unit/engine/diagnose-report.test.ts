import assert from 'node:assert/strict';
import { buildReport, exitCodeFor, sortFindings } from '../../../src/engine/diagnose-report.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { ok, problem, unknown } from '../../../src/probes/finding.js';
import { debianProfile } from '../helpers/context.js';
import { healthyFacts } from '../probes/helpers/facts.js';
import { RUNBOOKS } from './helpers/runbooks.js';
import type { Finding } from '../../../src/probes/types.js';

const report = (findings: Finding[]) =>
  buildReport({ facts: healthyFacts(), profile: debianProfile(), findings, runbooks: RUNBOOKS, startedAt: new Date('2026-01-01T00:00:00Z'), durationMs: 12, timeoutMs: 5_000, offline: true, gatherMs: 3, timings: [] });

describe('engine/diagnose-report', () => {
  it('sorts by status, then rank; the top cause is the lowest-ranked failure', () => {
    const r = report([
      ok('service', 'fine'),
      problem('warn', 'queue', 'queue-backlog', ['150 waiting']),
      problem('fail', 'service', 'postfix-stopped', ['no master']),
      unknown('dns', 'skipped'),
      problem('fail', 'listeners', 'port-held-by-mta', ['exim4 pid 321 on :25']),
    ]);
    assert.deepEqual(r.findings.map((f) => f.cause ?? f.status), ['port-held-by-mta', 'postfix-stopped', 'queue-backlog', 'unknown', 'ok']);
    assert.equal(r.topCause?.cause, 'port-held-by-mta');
    assert.equal(r.topCause?.command, 'postfix-fix run --runbook port-conflict');
    assert.deepEqual(r.findings[1]?.fixedBy, ['postfix-service']);
    assert.equal(r.findings[0]?.rank, 5);
    assert.equal(r.findings[4]?.rank, null);
    assert.deepEqual(r.fixes.map((f) => [f.runbook, f.causes]), [['port-conflict', ['port-held-by-mta']], ['postfix-service', ['postfix-stopped']]]);
    assert.equal(r.status, 'fixable');
    assert.equal(r.exitCode, ExitCode.ChangesNeeded);
  });

  it('exit codes: healthy 0; only human problems 4; anything a runbook fixes 7', () => {
    const withRunbooks = (fs: Finding[]) => report(fs).findings;
    assert.equal(exitCodeFor(withRunbooks([ok('a', 'x'), unknown('b', 'y')])), ExitCode.Ok);
    // a warning nobody can fix is advice, not a problem
    assert.equal(exitCodeFor(withRunbooks([problem('warn', 'dns', 'mx-missing', [])])), ExitCode.Ok);
    assert.equal(exitCodeFor(withRunbooks([problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', [])])), ExitCode.NeedsHuman);
    assert.equal(exitCodeFor(withRunbooks([problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', []), problem('warn', 'service', 'postfix-disabled', [])])), ExitCode.ChangesNeeded);
  });

  it('the top cause gathers what other checks saw of it', () => {
    const r = report([problem('fail', 'service', 'postfix-stopped', ['no master']), problem('fail', 'listeners', 'postfix-stopped', ['nothing on :25'])]);
    assert.deepEqual(r.topCause?.evidence, ['no master', 'nothing on :25']);
  });

  it('with nothing failing, the top cause is the likeliest warning a runbook fixes — never mere advice', () => {
    const r = report([problem('warn', 'dns', 'mx-missing', []), problem('warn', 'service', 'postfix-disabled', [])]);
    assert.equal(r.topCause?.cause, 'postfix-disabled');
    assert.equal(report([problem('warn', 'dns', 'mx-missing', [])]).topCause, null);
  });

  it('a human-only top cause carries its steps and no command', () => {
    const r = report([problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', ['timeout'], { human: { reason: 'provider', steps: ['ask them'] } })]);
    assert.equal(r.topCause?.command, null);
    assert.deepEqual(r.topCause?.human, { reason: 'provider', steps: ['ask them'] });
    assert.equal(r.status, 'needs-human');
  });

  it('sortFindings is stable within a rank', () => {
    const fs = [ok('a', '1'), ok('b', '2'), ok('c', '3')];
    assert.deepEqual(sortFindings(fs).map((f) => f.title), ['1', '2', '3']);
  });
});
