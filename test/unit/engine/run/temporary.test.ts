import assert from 'node:assert/strict';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, settingRunbook, world } from './harness.js';

// A temporary change (setenforce 0, a rule on trial) ends with the run, whatever happened: its
// deadline guard is scheduled before it is made and cancelled once it is undone.
describe('engine run: temporary changes end on every path', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  const runbook = (fail?: string) => settingRunbook('trial', [{ key: 'mode', value: 'permissive', temporary: 300 }, { key: 'port', value: '25', ...(fail ? { fail } : {}) }]);

  it('success: the lasting change stays, the temporary one is undone and its guard cancelled', async () => {
    const w = world(s.dir, [runbook()]);
    const { outcome, events } = await w.apply(await w.plan(['trial']), applyAll);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual([...w.host.values], [['port', '25']]);
    assert.deepEqual(outcome.temporaryEnded.map((u) => [u.seq, u.ok]), [[1, true]]);
    assert.deepEqual(w.guards.scheduled, [`${outcome.runId}#1`]);
    assert.deepEqual(w.guards.cancelled, ['1']);
    const ended = events.find((e) => e.type === 'temporary-ended');
    assert.ok(ended?.type === 'temporary-ended' && ended.results.length === 1);
    const records = await w.journal(outcome);
    assert.deepEqual(records.filter((r) => r.type === 'step-undone').map((r) => [r.seq, (r as { by: string }).by]), [[1, 'end of run (temporary change)']]);
  });

  it('failure: the rollback undoes it once (not again at the end of the run)', async () => {
    const w = world(s.dir, [runbook('apply')]);
    const { outcome } = await w.apply(await w.plan(['trial']), applyAll);
    assert.equal(outcome.status, 'failed-rolled-back');
    assert.deepEqual([...w.host.values], []);
    assert.deepEqual(w.host.trace, ['apply mode', 'apply port', 'undo port', 'undo mode']);
    assert.deepEqual(outcome.temporaryEnded, []);
    const records = await w.journal(outcome);
    assert.deepEqual(records.filter((r) => r.type === 'step-undone').map((r) => r.seq), [2, 1]);
  });

  it('interrupted: undone by the rollback, exit 130', async () => {
    const w = world(s.dir, [runbook()]);
    const controller = new AbortController();
    w.host.duringApply = (key) => {
      if (key === 'mode') controller.abort('SIGINT');
    };
    const { outcome } = await w.apply(await w.plan(['trial']), applyAll, { signal: controller.signal });
    assert.equal(outcome.exitCode, ExitCode.Interrupted);
    assert.deepEqual([...w.host.values], []);
    assert.deepEqual(w.host.trace, ['apply mode', 'undo mode']);
    assert.deepEqual(w.guards.cancelled, ['1']);
  });

  it('declined after it: the temporary change still ends', async () => {
    const w = world(s.dir, [runbook()]);
    const { outcome } = await w.apply(await w.plan(['trial']), async (step) => (step.seq === 1 ? 'apply' : 'skip'));
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual([...w.host.values], []);
    assert.deepEqual(outcome.temporaryEnded.map((u) => u.seq), [1]);
  });

  it('a temporary change that cannot be ended leaves the run rollback-incomplete, exit 6', async () => {
    const w = world(s.dir, [settingRunbook('trial', [{ key: 'mode', value: 'permissive', temporary: 300, fail: 'undo' }])]);
    const { outcome } = await w.apply(await w.plan(['trial']), applyAll);
    assert.equal(outcome.status, 'rollback-incomplete');
    assert.equal(outcome.exitCode, ExitCode.RollbackIncomplete);
    assert.deepEqual(outcome.temporaryEnded.map((u) => [u.seq, u.ok]), [[1, false]]);
  });

  describe('kept until its deadline (untilDeadline: a safeguard weakened on request)', () => {
    const kept = (fail?: string) => settingRunbook('bypass', [{ key: 'milter_default_action', value: 'accept', temporary: 600, untilDeadline: true }, { key: 'port', value: '25', ...(fail ? { fail } : {}) }]);

    it('success: it stays in force, its guard stays scheduled, and the report says until when (exit 4)', async () => {
      const w = world(s.dir, [kept()]);
      const { outcome } = await w.apply(await w.plan(['bypass']), applyAll);
      assert.equal(outcome.status, 'changed');
      assert.deepEqual([...w.host.values], [['milter_default_action', 'accept'], ['port', '25']]);
      assert.deepEqual(outcome.temporaryEnded, []);
      assert.deepEqual(w.guards.scheduled, [`${outcome.runId}#1`]);
      assert.deepEqual(w.guards.cancelled, []);
      const line = outcome.needsHuman.find((n) => n.startsWith('still in force after this run: step 1'));
      assert.ok(line, JSON.stringify(outcome.needsHuman));
      assert.match(line, /undone at \d{4}-\d\d-\d\dT[\d:.]+Z by a watchdog process, or sooner with `postfix-fix rollback --last`/);
      assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
      const records = await w.journal(outcome);
      assert.deepEqual(records.filter((r) => r.type === 'step-undone'), []);
    });

    it('failure: rolled back with the rest, guard cancelled, nothing said to be in force', async () => {
      const w = world(s.dir, [kept('apply')]);
      const { outcome } = await w.apply(await w.plan(['bypass']), applyAll);
      assert.equal(outcome.status, 'failed-rolled-back');
      assert.deepEqual([...w.host.values], []);
      assert.deepEqual(w.guards.cancelled, ['1']);
      assert.ok(!outcome.needsHuman.some((n) => n.startsWith('still in force')), JSON.stringify(outcome.needsHuman));
    });

    it('the plan says it outlives the run, and how it ends', async () => {
      const w = world(s.dir, [kept()]);
      const { renderPlanText } = await import('../../../../src/report/plan-text.js');
      const text = renderPlanText(await w.plan(["bypass"]));
      assert.match(text, /temporary: stays in force after this run, undone after 600 s by a deadline guard \(on trial\)/);
    });
  });
});

