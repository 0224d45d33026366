import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { askAbove, riskPolicy } from '../../../../src/engine/run/index.js';
import type { Decision } from '../../../../src/engine/run/index.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { settingRunbook, types, world } from './harness.js';

describe('engine run: decide steers, nothing else', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  it('"skip" declines the rest of the runbook and the runbooks after it; nothing more changes; needs-human, exit 4', async () => {
    const file = join(s.dir, 'scratch.conf');
    writeFileSync(file, 'x = 1\n');
    chmodSync(file, 0o644);
    const w = world(s.dir, [
      `id: first
title: first
description: a real file step, then two settings
symptoms: []
steps:
  - name: tighten the scratch file
    module: file
    args: { path: ${JSON.stringify(file)}, state: present, mode: "0600" }
    risk: low
  - name: set a
    module: setting
    args: { key: a, value: "1" }
    risk: medium
  - name: set b
    module: setting
    args: { key: b, value: "2" }
    risk: low
verify:
  - name: always
    that: { fact: postfix.installed, equals: true }
`,
      settingRunbook('dependent', [{ key: 'c', value: '3' }], 'after: [first]\n'),
      settingRunbook('independent', [{ key: 'd', value: '4' }]),
    ]);
    const plan = await w.plan(['first', 'dependent', 'independent']);
    const asked: number[] = [];
    const { outcome, events } = await w.apply(plan, async (step) => {
      asked.push(step.seq);
      return step.seq === 2 ? 'skip' : 'apply';
    });

    assert.deepEqual(asked, [1, 2, 5], 'nothing after the declined step (nor its dependent) is asked about');
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'changed'], [2, 'skipped'], [3, 'skipped'], [4, 'skipped'], [5, 'changed']]);
    assert.match(outcome.steps[1]?.reason ?? '', /declined or above the allowed risk/);
    assert.match(outcome.steps[2]?.reason ?? '', /step 2/);
    assert.match(outcome.steps[3]?.reason ?? '', /first, which must succeed first, was not applied/);
    assert.deepEqual([...w.host.values], [['d', '4']]);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'what was agreed to stays applied');
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman, 'changed, but not everything: a human is needed');
    assert.deepEqual(outcome.needsHuman, ['first: skipped because step 2 ("set a") was not applied', 'dependent: skipped because first, which must succeed first, was not applied']);
    assert.ok(types(events).includes('verify-skip:first') && types(events).includes('verify-skip:dependent'), 'a declined runbook is not "proved"');
    assert.ok(types(events).includes('verify-done:independent'));
  });

  it('"skip" on the only change: nothing changed, needs-human, exit 4', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1', risk: 'high' }])]);
    const { outcome } = await w.apply(await w.plan(['first']), riskPolicy('medium'));
    assert.equal(outcome.status, 'needs-human');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual(w.host.trace, []);
  });

  it('"abort" rolls back what was applied: aborted, exit 3, nothing asked after it', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }])]);
    const asked: number[] = [];
    const { outcome, events } = await w.apply(await w.plan(['first']), async (step): Promise<Decision> => (asked.push(step.seq), step.seq === 2 ? 'abort' : 'apply'));
    assert.deepEqual(asked, [1, 2]);
    assert.equal(outcome.status, 'aborted');
    assert.equal(outcome.exitCode, ExitCode.FailedRolledBack);
    assert.equal(outcome.error?.message, 'aborted by the operator');
    assert.deepEqual(outcome.steps.map((x) => [x.seq, x.status]), [[1, 'rolled-back']]);
    assert.deepEqual([...w.host.values], []);
    const failure = events.find((e) => e.type === 'failure');
    assert.ok(failure?.type === 'failure' && failure.kind === 'aborted');
    const records = await w.journal(outcome);
    assert.deepEqual(records.filter((r) => r.type === 'step-undone').map((r) => (r as { by: string }).by), ['operator abort']);
  });

  it('a decide that throws is a failure like any other: rolled back, the error reported with its stack', async () => {
    const w = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }])]);
    const { outcome } = await w.apply(await w.plan(['first']), async (step) => {
      if (step.seq === 2) throw new Error('the prompt broke');
      return 'apply';
    });
    assert.equal(outcome.status, 'failed-rolled-back');
    assert.equal(outcome.error?.message, 'the prompt broke');
    assert.match(outcome.error?.evidence[0] ?? '', /Error: the prompt broke\n\s+at /);
    assert.deepEqual([...w.host.values], []);
  });

  it('riskPolicy applies up to the cap; askAbove asks only above its risk', async () => {
    const step = (risk: 'low' | 'medium' | 'high') => ({ risk }) as Parameters<ReturnType<typeof riskPolicy>>[0];
    const cap = riskPolicy('medium');
    assert.deepEqual(await Promise.all([cap(step('low')), cap(step('medium')), cap(step('high'))]), ['apply', 'apply', 'skip']);
    const asked: string[] = [];
    const ask = askAbove('low', async (st) => (asked.push(st.risk), 'skip'));
    assert.deepEqual(await Promise.all([ask(step('low')), ask(step('medium')), ask(step('high'))]), ['apply', 'skip', 'skip']);
    assert.deepEqual(asked, ['medium', 'high']);
  });
});
