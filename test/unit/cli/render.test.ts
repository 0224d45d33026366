// The CLI only shows a run: the plain renderer turns the engine's events into lines (secrets
// redacted), and the event feed lets a terminal task find its events whether they came before
// or after it started waiting, and lets go of every waiting task when the run ends.
import assert from 'node:assert/strict';
import { plainRunLines } from '../../../src/cli/render/run-lines.js';
import { EventFeed } from '../../../src/cli/render/event-feed.js';
import { Redactor } from '../../../src/core/redact.js';
import type { RunEvent } from '../../../src/engine/run/index.js';
import type { PlannedStep } from '../../../src/engine/plan-types.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { applyAll, converging, diagnosisOf, settingRunbook, world } from '../engine/run/harness.js';
import { renderRunText } from '../../../src/report/run-text.js';
import { toRunReport } from '../../../src/report/run-report.js';

describe('cli: rendering a run', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-render-')));
  afterEach(() => s.cleanup());

  it('plain lines: progress, the failure and the rollback, with known secrets redacted', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'smtp_sasl_password', value: 'hunter2-secret' }, { key: 'b', value: '2', fail: 'apply' }])]);
    let text = '';
    const render = plainRunLines(new Redactor().learn(['hunter2-secret']), (t) => (text += t));
    const events: RunEvent[] = [];
    await w.apply(await w.plan(['first']), applyAll).then((r) => events.push(...r.events));
    for (const e of events) render(e);
    const lines = text.split('\n');
    assert.ok(lines.includes('first: first runbook'), text);
    assert.ok(lines.includes('  1. set smtp_sasl_password — changed'), text);
    assert.ok(lines.includes('  2. set b — failed: b refused'), text);
    assert.ok(lines.includes('Failed: b refused'), text);
    assert.ok(lines.includes('Rolling back what this run applied…'), text);
    assert.ok(lines.includes('  undone: step 2 set b') && lines.includes('  undone: step 1 set smtp_sasl_password'), text);
    assert.ok(lines.indexOf('  undone: step 2 set b') < lines.indexOf('  undone: step 1 set smtp_sasl_password'), 'newest first');
    assert.doesNotMatch(text, /hunter2-secret/);
    assert.match(text, /«redacted»/);
  });

  it('plain lines of a converging run: the new diagnosis, the next round in layer order, the end-to-end proof', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }]), settingRunbook('second', [{ key: 'b', value: '2' }])]);
    w.deps.converge = converging(w);
    w.deps.proveEndToEnd = async () => [{ name: 'Postfix greets', ok: false, evidence: ['10.0.0.5:25 → timeout'] }];
    let text = '';
    const render = plainRunLines(new Redactor(), (t) => (text += t));
    const { outcome, events } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    for (const e of events) render(e);
    const lines = text.split('\n');
    assert.ok(lines.includes('Diagnosed again after round 1: 1 problem(s) left: firewall-blocks-smtp found (firewall-blocks-smtp)'), text);
    assert.ok(lines.includes('Round 2 — what the fixes so far revealed (firewall-blocks-smtp); in order: firewall (second)'), text);
    assert.ok(lines.indexOf('second: second runbook') > lines.indexOf('Round 2 — what the fixes so far revealed (firewall-blocks-smtp); in order: firewall (second)'));
    assert.ok(lines.includes('Diagnosed again after round 2: no problem left'), text);
    assert.ok(lines.includes('End to end (what clients see, once every runbook is done): NOT proven — the layers fixed so far are kept'), text);
    assert.ok(lines.includes('  ✗ Postfix greets: 10.0.0.5:25 → timeout'), text);

    const report = renderRunText(toRunReport(outcome, { command: 'run', version: 't', host: { hostname: 'h', os: 'o', profile: 'debian', serviceManager: 'direct' }, startedAt: outcome.timing.startedAt, timing: { diagnoseMs: 0, planMs: 0 } }));
    assert.match(report, /^Partly fixed: what was changed is verified and kept; what remains needs a human \(below\)\.$/m);
    assert.match(report, /^Rounds \(diagnosed again after each\):\n {2}1\. first\n {2}2\. second — for firewall-blocks-smtp$/m);
    assert.match(report, /^End to end: NOT proven\n {2}✗ Postfix greets — 10\.0\.0\.5:25 → timeout$/m);
    assert.match(report, /^ {2}- clients are still refused \(end-to-end: Postfix greets\): diagnose finds no cause for it$/m);
  });

  it('the event feed: looks back, waits forward, answers questions once, lets everyone go on close', async () => {
    const feed = new EventFeed();
    const step = { seq: 3, name: 'x' } as PlannedStep;
    feed.push({ type: 'step-start', step });
    assert.equal(await feed.first((i) => (i.type === 'step-start' ? i.step.seq : undefined)), 3, 'an event from before the wait');

    const later = feed.first((i) => (i.type === 'step-done' ? i.result.status : undefined));
    const question = feed.ask(step);
    const asked = await feed.first((i) => (i.type === 'question' && !i.answered ? i : undefined));
    asked?.answer('skip');
    assert.equal(await question, 'skip');
    // An answered question is not offered again: the next wait only ends with a new question.
    const next = feed.first((i) => (i.type === 'question' && !i.answered ? i : undefined));
    assert.equal(await Promise.race([next, new Promise((r) => setImmediate(() => r('still waiting')))]), 'still waiting');
    const unanswered = feed.ask(step);
    assert.equal((await next)?.answered, false, 'a question asked after the wait began');
    feed.close();
    assert.equal(await later, undefined, 'a waiter is let go when the run ends');
    await assert.rejects(unanswered, /ended before the question was answered/);
    assert.equal(await feed.first(() => undefined), undefined, 'waits after the end return at once');
  });
});
