import assert from 'node:assert/strict';
import reportSchema from '../../../schemas/diagnose-report.schema.json' with { type: 'json' };
import { validateWith } from '../../../src/core/validate.js';
import { buildReport } from '../../../src/engine/diagnose-report.js';
import { ok, problem, unknown } from '../../../src/probes/finding.js';
import { createColours, wantColour } from '../../../src/report/colour.js';
import { renderDiagnoseJson } from '../../../src/report/diagnose-json.js';
import { renderDiagnoseMarkdown } from '../../../src/report/diagnose-markdown.js';
import { renderDiagnoseText } from '../../../src/report/diagnose-text.js';
import { PROVIDER_STEPS } from '../../../src/probes/outbound.js';
import { debianProfile } from '../helpers/context.js';
import { RUNBOOKS } from '../engine/helpers/runbooks.js';
import { healthyFacts } from '../probes/helpers/facts.js';
import type { Finding } from '../../../src/probes/types.js';

const report = (findings: Finding[]) =>
  buildReport({ facts: healthyFacts(), profile: debianProfile(), findings, runbooks: RUNBOOKS, startedAt: new Date('2026-01-01T00:00:00Z'), durationMs: 420, timeoutMs: 5_000, offline: false, gatherMs: 90, timings: [{ probe: 'service', durationMs: 12, outcome: 'done' }] });

const BROKEN = [
  ok('service', 'Postfix is running (master pid 100)'),
  problem('fail', 'listeners', 'port-held-by-mta', ['0.0.0.0:25 held by exim4 (pid 321)', 'started by exim4.service'], { title: 'exim (exim4, pid 321) holds port 25' }),
  problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', ['gmail.com MX … → timeout'], { human: { reason: 'the provider blocks 25', steps: PROVIDER_STEPS } }),
  unknown('dns', 'MX lookup skipped (offline)'),
];

describe('report/diagnose: text, markdown, JSON', () => {
  it('text: the cause in one line, then its evidence, then the command that fixes it', () => {
    const text = renderDiagnoseText(report(BROKEN));
    const lines = text.split('\n');
    assert.equal(lines[0], '✗ Cause: exim (exim4, pid 321) holds port 25 (port-held-by-mta)');
    assert.equal(lines[1], '    0.0.0.0:25 held by exim4 (pid 321)');
    assert.ok(lines.includes('  Fix: postfix-fix run --runbook port-conflict'));
    assert.match(text, /Also found:\n {2}✗ outbound port 25 is blocked upstream/);
    assert.match(text, /needs a human: the provider blocks 25/);
    assert.match(text, /Checked and fine:\n {2}✓ Postfix is running/);
    assert.ok(!text.includes('\u001b['), 'no colour codes unless asked');
  });

  it('text: a healthy host says so first', () => {
    assert.match(renderDiagnoseText(report([ok('service', 'Postfix is running')])), /^✓ Healthy: no problem found\n/);
  });

  it('text: a needs-human top cause lists the steps', () => {
    const text = renderDiagnoseText(report([BROKEN[2] as Finding]));
    assert.match(text, /Needs a human: the provider blocks 25\n {4}1\. Rule out this host first/);
  });

  it('markdown: cause, fix block, a table of every check, evidence', () => {
    const md = renderDiagnoseMarkdown(report(BROKEN));
    assert.match(md, /\*\*Cause:\*\* exim \(exim4, pid 321\) holds port 25 \(`port-held-by-mta`\)/);
    assert.match(md, /```sh\npostfix-fix run --runbook port-conflict\n```/);
    assert.match(md, /\| ❌ fail \| listeners \| exim \(exim4, pid 321\) holds port 25 \| `port-held-by-mta` \| `port-conflict` \|/);
    assert.match(md, /Needs a human: the provider blocks 25/);
  });

  it('JSON: valid against schemas/diagnose-report.schema.json, schemaVersion 1', () => {
    for (const r of [report(BROKEN), report([ok('service', 'fine')])]) {
      const parsed = JSON.parse(renderDiagnoseJson(r)) as unknown;
      assert.deepEqual(validateWith(reportSchema, parsed), []);
      assert.equal((parsed as { schemaVersion: number }).schemaVersion, 1);
    }
    const bad = { ...JSON.parse(renderDiagnoseJson(report(BROKEN))), status: 'fine' };
    assert.ok(validateWith(reportSchema, bad).length > 0);
  });

  it('JSON: a check\'s metrics (the queue sizes and ages) are part of the schema', () => {
    const measured = report([{ ...ok('queue', 'the queue is empty'), metrics: { deferred_messages: 0, deferred_oldest_age_seconds: 0 } }]);
    assert.deepEqual(validateWith(reportSchema, JSON.parse(renderDiagnoseJson(measured))), []);
    const bad = JSON.parse(renderDiagnoseJson(measured));
    bad.findings[0].metrics = { 'Deferred Messages': -1 };
    assert.ok(validateWith(reportSchema, bad).length >= 2);
  });

  it('colour only on a TTY, never with NO_COLOR, TERM=dumb or --no-color', () => {
    assert.equal(wantColour({ stream: { isTTY: true }, env: {} }), true);
    assert.equal(wantColour({ stream: { isTTY: false }, env: {} }), false);
    assert.equal(wantColour({ stream: { isTTY: true }, env: { NO_COLOR: '1' } }), false);
    assert.equal(wantColour({ stream: { isTTY: true }, env: { NO_COLOR: '' } }), true);
    assert.equal(wantColour({ stream: { isTTY: true }, env: { TERM: 'dumb' } }), false);
    assert.equal(wantColour({ stream: { isTTY: true }, env: {}, noColor: true }), false);
    assert.equal(createColours(true).red('x'), '\u001b[31mx\u001b[39m');
    assert.match(renderDiagnoseText(report(BROKEN), createColours(true)), /\u001b\[31m/);
  });
});
