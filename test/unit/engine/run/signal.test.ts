import assert from 'node:assert/strict';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { stepHistories } from '../../../../src/engine/journal.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, settingRunbook, types, world } from './harness.js';

describe('engine run: the signal interrupts between steps', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  it('aborted mid-step: the step finishes, nothing further starts, all is rolled back; interrupted, exit 130', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }])]);
    const controller = new AbortController();
    // SIGTERM arrives while step 2 is half-way through its apply.
    w.host.duringApply = (key) => {
      if (key === 'b') controller.abort('SIGTERM');
    };
    const { outcome, events } = await w.apply(await w.plan(['first']), applyAll, { signal: controller.signal });
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, ExitCode.Interrupted);
    assert.equal(outcome.error?.message, 'interrupted by SIGTERM');
    assert.deepEqual(w.host.trace, ['apply a', 'apply b', 'undo b', 'undo a'], 'step 2 was not cut short; step 3 never started');
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'rolled-back'], [2, 'rolled-back']]);
    assert.deepEqual([...w.host.values], []);
    assert.deepEqual(types(events).slice(-8), ['step-start:2', 'step-done:2', 'failure', 'rollback-start', 'rollback-step', 'rollback-step', 'temporary-ended', 'run-end']);
    const records = await w.journal(outcome);
    assert.ok(stepHistories(records).every((h) => h.undone));
    assert.deepEqual(records.filter((r) => r.type === 'step-undone').map((r) => (r as { by: string }).by), ['signal', 'signal']);
    assert.equal((records.at(-1) as { status?: string }).status, 'interrupted');
  });

  it('a signal while a question waits for its answer does not wait for the answer', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }])]);
    const controller = new AbortController();
    let asked = 0;
    const run = w.apply(await w.plan(['first']), (step) => {
      if (step.seq === 1) return Promise.resolve('apply');
      asked++;
      // A person who never answers; SIGINT arrives while the prompt is up.
      setImmediate(() => controller.abort('SIGINT'));
      return new Promise(() => undefined);
    }, { signal: controller.signal });
    const { outcome } = await run;
    assert.equal(asked, 1);
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.error?.message, 'interrupted by SIGINT');
    assert.deepEqual([...w.host.values], []);
  });

  it('a signal already fired before the first step: nothing is applied, the run still ends interrupted', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }])]);
    const controller = new AbortController();
    controller.abort('SIGINT');
    const { outcome } = await w.apply(await w.plan(['first']), applyAll, { signal: controller.signal });
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, ExitCode.Interrupted);
    assert.deepEqual(outcome.rollback, []);
    assert.deepEqual(w.host.trace, []);
  });
});
