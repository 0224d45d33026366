// Converging runs, headless: after each round the engine diagnoses again (here: a diagnosis read
// from the TinyHost's memory) and runs what a fix revealed as a further round of the same run.
import assert from 'node:assert/strict';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { readJournal, stepHistories } from '../../../../src/engine/journal.js';
import { undoSteps } from '../../../../src/engine/undo.js';
import type { Decide, ProofCheck } from '../../../../src/engine/run/index.js';
import type { Finding } from '../../../../src/probes/types.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, converging, diagnosisOf, fail, settingRunbook, types, world } from './harness.js';
import type { World } from './harness.js';

describe('engine run: converging rounds', function () {
  this.timeout(30_000);
  let s: Scratch;
  let w: World;
  beforeEach(() => {
    s = scratchDir('pf-conv-');
    w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }]), settingRunbook('second', [{ key: 'b', value: '2', risk: 'medium' }])]);
  });
  afterEach(() => s.cleanup());

  it('a cause revealed by round 1 is fixed in round 2 of the same run: one journal, steps numbered on, rounds reported', async () => {
    w.deps.converge = converging(w);
    const { outcome, events } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.Changed);
    assert.deepEqual(outcome.needsHuman, []);
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.runbook, x.status]), [[1, 'first', 'changed'], [2, 'second', 'changed']]);
    assert.deepEqual(outcome.rounds, [
      { round: 1, runbooks: ['first'], causes: [], steps: [1] },
      { round: 2, runbooks: ['second'], causes: ['firewall-blocks-smtp'], steps: [2] },
    ]);
    assert.deepEqual(types(events), [
      'run-start',
      'runbook-start:first', 'step-start:1', 'step-done:1', 'verify-start:first', 'verify-done:first',
      're-diagnosis', 'round-start',
      'runbook-start:second', 'step-start:2', 'step-done:2', 'verify-start:second', 'verify-done:second',
      're-diagnosis',
      'temporary-ended',
      'run-end',
    ]);
    const rounds = events.filter((e) => e.type === 're-diagnosis');
    assert.deepEqual(rounds.map((e) => e.type === 're-diagnosis' && [e.round, e.next, e.remaining.map((f) => f.cause)]), [[1, ['second'], ['firewall-blocks-smtp']], [2, [], []]]);
    const records = await w.journal(outcome);
    assert.deepEqual(records.map((r) => r.type), ['run-start', 'step-intent', 'step-applied', 'step-verified', 'round-start', 'step-intent', 'step-applied', 'step-verified', 'run-end']);
    const round = records.find((r) => r.type === 'round-start');
    assert.ok(round?.type === 'round-start' && round.round === 2 && round.runbooks[0] === 'second');
  });

  it('undoing the run undoes every round, newest first', async () => {
    w.deps.converge = converging(w);
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    const { records } = await readJournal(outcome.journal as string);
    const undone = await undoSteps(stepHistories(records), w.deps.ctx, w.deps.modules, null, 'test');
    assert.deepEqual(undone.map((u) => [u.seq, u.ok]), [[2, true], [1, true]]);
    assert.deepEqual(w.host.trace, ['apply a', 'apply b', 'undo b', 'undo a']);
    assert.deepEqual([...w.host.values], []);
  });

  it('a step failing in round 2 rolls back round 1 too (nothing half-done)', async () => {
    w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }]), settingRunbook('second', [{ key: 'b', value: '2', fail: 'apply' }])]);
    w.deps.converge = converging(w);
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.equal(outcome.status, 'failed-rolled-back');
    // The failed step too: its intent was journaled, whatever it got to do is undone.
    assert.deepEqual(outcome.rollback?.map((u) => u.seq), [2, 1]);
    assert.deepEqual(w.host.trace, ['apply a', 'apply b', 'undo b', 'undo a']);
    assert.deepEqual([...w.host.values], []);
    assert.equal(outcome.proof, null);
  });

  it('a risky step of a later round is decided like the first round\'s: declined, the first round is kept, exit 4 naming it', async () => {
    w.deps.converge = converging(w);
    const asked: number[] = [];
    const decide: Decide = async (step) => (asked.push(step.seq), step.risk === 'low' ? 'apply' : 'skip');
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), decide);
    assert.deepEqual(asked, [1, 2], 'asked again for the new step');
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual([...w.host.values], [['a', '1']], 'round 1 kept');
    assert.equal(outcome.rollback, null);
    assert.deepEqual(outcome.needsHuman, ['second: skipped because step 2 ("set b") was not applied']);
    assert.deepEqual(outcome.remaining.map((f) => f.cause), ['firewall-blocks-smtp']);
  });

  it('a saved plan converges only within the runbooks it lists: the rest is reported, not run', async () => {
    w.deps.converge = converging(w, { within: new Set(['first']) });
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual(outcome.rounds.map((r) => r.round), [1]);
    assert.equal(w.host.values.get('b'), undefined);
    assert.match(outcome.needsHuman.join('\n'), /^second: revealed after the saved plan, which does not list it/m);
  });

  it('rounds are bounded: past maxRounds the runbook is named, not run', async () => {
    w.deps.converge = converging(w, { maxRounds: 1 });
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.deepEqual(outcome.rounds.map((r) => r.round), [1]);
    assert.match(outcome.needsHuman.join('\n'), /^second: not run: the run stops after 1 rounds$/m);
  });

  it('each runbook runs at most once: a cause still found after its runbook ran is left for a person, not retried', async () => {
    const diagnose = async (): Promise<Finding[]> => [fail('postfix-stopped', ['first'])];
    w.deps.converge = { ...converging(w), diagnose };
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.deepEqual(outcome.rounds.map((r) => r.round), [1]);
    assert.deepEqual(w.host.trace, ['apply a']);
    assert.deepEqual(outcome.needsHuman, ['still found after the run: postfix-stopped found']);
  });

  it('a cause no runbook fixes, revealed after round 1, ends the run with the fix kept: exit 4, named', async () => {
    w.deps.converge = converging(w, { human: true });
    w.host.values.set('b', '2');
    const { outcome } = await w.apply(await w.plan(['first'], [fail('postfix-stopped', ['first'])]), applyAll);
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual(outcome.needsHuman, ['smtp-service-disabled found']);
    assert.deepEqual([...w.host.values].sort(), [['a', '1'], ['b', '2']]);
  });

  it('a diagnosis that fails after a round does not undo the round: the fix is kept and the failure named', async () => {
    w.deps.converge = converging(w, { diagnoseThrows: true });
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual(outcome.needsHuman, ['could not diagnose again after round 1: diagnose exploded']);
    assert.equal(w.host.values.get('a'), '1');
  });

  it('a signal between rounds (while diagnosing again) stops the run before round 2: round 1 rolled back, exit 130', async () => {
    const controller = new AbortController();
    const c = converging(w);
    w.deps.converge = { ...c, diagnose: async (facts) => (controller.abort('SIGTERM'), c.diagnose(facts)) };
    const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll, { signal: controller.signal });
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, ExitCode.Interrupted);
    assert.deepEqual(w.host.trace, ['apply a', 'undo a']);
    const records = await w.journal(outcome);
    assert.ok(records.some((r) => r.type === 'round-start'), 'the round was journaled before it was stopped');
  });

  describe('the end-to-end proof', () => {
    const proof = (ok: () => boolean) => async (): Promise<ProofCheck[]> => [
      { name: 'Postfix greets', ok: ok(), evidence: ['10.0.0.1:25 → refused'] },
      { name: 'relaying for a stranger is refused', ok: null, evidence: ['not tried'] },
    ];

    it('runs once, after every round, against a fresh look: proven → exit 10', async () => {
      let calls = 0;
      w.deps.converge = converging(w);
      w.deps.proveEndToEnd = async () => {
        calls++;
        return proof(() => w.host.values.get('b') === '2')();
      };
      const { outcome, events } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
      assert.equal(calls, 1);
      assert.equal(outcome.proof?.ok, true);
      assert.equal(outcome.exitCode, ExitCode.Changed);
      assert.deepEqual(types(events).slice(-4), ['temporary-ended', 'proof-start', 'proof-done', 'run-end']);
    });

    it('a failure keeps what the layers fixed and names the layer a fresh diagnosis blames: exit 4', async () => {
      w.deps.converge = converging(w, { maxRounds: 1 });
      w.deps.proveEndToEnd = proof(() => false);
      const { outcome } = await w.apply(await w.plan(['first'], diagnosisOf(w.host)), applyAll);
      assert.equal(outcome.status, 'changed');
      assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
      assert.equal(outcome.rollback, null);
      assert.equal(w.host.values.get('a'), '1');
      assert.equal(outcome.proof?.ok, false);
      assert.deepEqual(outcome.proof?.blocking.map((f) => f.cause), ['firewall-blocks-smtp']);
      assert.ok(outcome.needsHuman.includes('clients are still refused (end-to-end: Postfix greets): the firewall layer still blocks: firewall-blocks-smtp found (firewall-blocks-smtp)'), outcome.needsHuman.join('\n'));
    });

    it('does not run after a failed run', async () => {
      w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1', fail: 'verify' }])]);
      let calls = 0;
      w.deps.proveEndToEnd = async () => (calls++, []);
      const { outcome } = await w.apply(await w.plan(['first']), applyAll);
      assert.equal(outcome.status, 'failed-rolled-back');
      assert.equal(calls, 0);
    });
  });
});
