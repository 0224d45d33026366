import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { stepHistories } from '../../../../src/engine/journal.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, settingRunbook, types, world } from './harness.js';

describe('engine run: failures roll back', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  it('a verification that fails rolls back every applied step newest first (real file module too): failed-rolled-back, exit 3', async () => {
    const file = join(s.dir, 'scratch.conf');
    writeFileSync(file, 'x = 1\n');
    chmodSync(file, 0o644);
    const w = world(s.dir, [
      `id: files
title: files
description: the real file module on a scratch file
symptoms: []
steps:
  - name: tighten the scratch file
    module: file
    args: { path: ${JSON.stringify(file)}, state: present, mode: "0600" }
    risk: low
verify:
  - name: still installed
    that: { fact: postfix.installed, equals: true }
`,
      `id: second
title: second
description: its proof fails
symptoms: []
after: [files]
steps:
  - name: set a
    module: setting
    args: { key: a, value: "1" }
    risk: low
  - name: set b
    module: setting
    args: { key: b, value: "2" }
    risk: low
verify:
  - name: a holds 1
    module: setting-is
    args: { key: a, value: "1" }
  - name: c holds 3 (it never will)
    module: setting-is
    args: { key: c, value: "3" }
`,
    ]);
    const plan = await w.plan(['files', 'second']);
    const { outcome, events } = await w.apply(plan, applyAll);

    assert.equal(outcome.status, 'failed-rolled-back');
    assert.equal(outcome.exitCode, ExitCode.FailedRolledBack);
    assert.match(outcome.error?.message ?? '', /verification failed for second: c holds 3/);
    assert.deepEqual(outcome.error?.evidence, ['a = 1', 'c = undefined']);
    assert.deepEqual(outcome.rollback?.map((u) => [u.seq, u.ok]), [[3, true], [2, true], [1, true]], 'newest first');
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'rolled-back'], [2, 'rolled-back'], [3, 'rolled-back']]);
    assert.deepEqual(w.host.trace, ['apply a', 'apply b', 'undo b', 'undo a']);
    assert.deepEqual([...w.host.values], []);
    assert.equal(statSync(file).mode & 0o777, 0o644, 'the file module put the mode back');
    assert.deepEqual(types(events).slice(-9), ['verify-start:second', 'verify-done:second', 'failure', 'rollback-start', 'rollback-step', 'rollback-step', 'rollback-step', 'temporary-ended', 'run-end']);
    const failure = events.find((e) => e.type === 'failure');
    assert.ok(failure?.type === 'failure' && failure.kind === 'verification-failed');
    const records = await w.journal(outcome);
    assert.ok(stepHistories(records).every((h) => h.undone), 'the journal says every step was undone');
    assert.deepEqual(records.filter((r) => r.type === 'step-undone').map((r) => (r as { by: string }).by), ['step failure', 'step failure', 'step failure']);
    assert.equal((records.at(-1) as { status?: string }).status, 'failed-rolled-back');
  });

  it('a step whose apply fails is reported failed with its evidence; what ran before it is undone', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2', fail: 'apply' }, { key: 'c', value: '3' }])]);
    const { outcome, events } = await w.apply(await w.plan(['first']), applyAll);
    assert.equal(outcome.status, 'failed-rolled-back');
    assert.deepEqual(outcome.error, { message: 'b refused', evidence: ['b: read-only'] });
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'rolled-back'], [2, 'rolled-back']], 'step 3 never started');
    assert.ok(!types(events).includes('step-start:3'));
    const failed = events.find((e) => e.type === 'step-done' && e.result.status === 'failed');
    assert.ok(failed?.type === 'step-done' && failed.result.seq === 2 && failed.result.reason === 'b refused');
    // The failed apply had begun (its intent is journaled), so it is undone too: newest first.
    assert.deepEqual(outcome.rollback?.map((u) => u.seq), [2, 1]);
    assert.deepEqual([...w.host.values], []);
  });

  it('an undo that fails leaves the run rollback-incomplete (exit 6) and the journal still lists it as not undone', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1', fail: 'undo' }, { key: 'b', value: '2', fail: 'apply' }])]);
    const { outcome } = await w.apply(await w.plan(['first']), applyAll);
    assert.equal(outcome.status, 'rollback-incomplete');
    assert.equal(outcome.exitCode, ExitCode.RollbackIncomplete);
    assert.deepEqual(outcome.rollback?.map((u) => [u.seq, u.ok, u.error ?? '']), [[2, true, ''], [1, false, 'a cannot be restored']]);
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'changed'], [2, 'rolled-back']], 'a change that was not undone is still reported as made');
    const records = await w.journal(outcome);
    assert.deepEqual(stepHistories(records).filter((h) => !h.undone).map((h) => h.seq), [1]);
  });
});
