import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { stepHistories } from '../../../../src/engine/journal.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, settingRunbook, types, world } from './harness.js';

describe('engine run: applyPlan (headless)', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  it('applies every step, proves each runbook, journals it all: changed, exit 10, events in order', async () => {
    const file = join(s.dir, 'scratch.conf');
    writeFileSync(file, 'x = 1\n');
    chmodSync(file, 0o644);
    const w = world(s.dir, [
      settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]),
      `id: second
title: second runbook
description: the real file module on a scratch file
symptoms: []
steps:
  - name: tighten the scratch file
    module: file
    args: { path: ${JSON.stringify(file)}, state: present, mode: "0600" }
    risk: low
verify:
  - name: still there
    that: { fact: postfix.installed, equals: true }
`,
    ]);
    const plan = await w.plan(['first', 'second']);
    const { outcome, events } = await w.apply(plan, applyAll);

    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.Changed);
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'changed'], [2, 'changed'], [3, 'changed']]);
    assert.deepEqual(outcome.verifications.map((v) => [v.runbook, v.name, v.ok]), [['first', 'a holds 1', true], ['first', 'b holds 2', true], ['second', 'still there', true]]);
    assert.equal(outcome.error, null);
    assert.equal(outcome.rollback, null);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual([...w.host.values], [['a', '1'], ['b', '2']]);
    assert.deepEqual(types(events), [
      'run-start',
      'runbook-start:first',
      'step-start:1', 'step-done:1',
      'step-start:2', 'step-done:2',
      'verify-start:first', 'verify-done:first',
      'runbook-start:second',
      'step-start:3', 'step-done:3',
      'verify-start:second', 'verify-done:second',
      'temporary-ended',
      're-diagnosis',
      'run-end',
    ]);
    const end = events.at(-1);
    assert.ok(end?.type === 'run-end' && end.outcome === outcome, 'run-end carries the outcome returned');

    // The journal: one run, every step intent → applied → verified, ended with the status.
    assert.ok(outcome.runId && outcome.journal?.startsWith(join(s.dir, 'runs', outcome.runId)));
    const records = await w.journal(outcome);
    assert.equal(records[0]?.type, 'run-start');
    assert.deepEqual(records.at(-1), { type: 'run-end', at: (records.at(-1) as { at: string }).at, status: 'changed' });
    assert.deepEqual(stepHistories(records).map((h) => [h.seq, h.applied !== undefined, h.undone]), [[1, true, false], [2, true, false], [3, true, false]]);
  });

  it('a plan with nothing to change opens no run: no journal, nothing-to-do, exit 0, only run-end', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }])]);
    w.host.values.set('a', '1');
    const plan = await w.plan(['first']);
    const { outcome, events } = await w.apply(plan, async () => assert.fail('nothing to decide'));
    assert.equal(outcome.status, 'nothing-to-do');
    assert.equal(outcome.exitCode, ExitCode.Ok);
    assert.equal(outcome.runId, null);
    assert.equal(outcome.journal, null);
    assert.deepEqual(types(events), ['run-end']);
    assert.equal(existsSync(join(s.dir, 'runs')) ? readdirSync(join(s.dir, 'runs')).length : 0, 0);
  });

  it('a step already in the desired state when applied is "ok", changes nothing and is not asked about twice', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }])]);
    const plan = await w.plan(['first']);
    w.host.values.set('b', '2'); // someone else fixed it meanwhile
    const asked: number[] = [];
    const { outcome } = await w.apply(plan, async (step) => (asked.push(step.seq), 'apply'));
    assert.deepEqual(asked, [1, 2]);
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status, x.reason ?? '']), [[1, 'changed', ''], [2, 'ok', 'already in the desired state when applied']]);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(w.host.trace, ['apply a']);
  });
});
