// The planner's undo side: explicit rollback actions get their templates filled in and checked at
// plan time like the step's args (and run as planned), and a step whose module cannot undo it
// says so in every rendering of the plan.
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserErrors } from '../../../src/core/errors.js';
import { parseRunbook } from '../../../src/engine/catalog/runbook.js';
import type { Catalog } from '../../../src/engine/catalog/types.js';
import { parseYaml } from '../../../src/engine/catalog/yaml-source.js';
import { Journal, readJournal, stepHistories } from '../../../src/engine/journal.js';
import type { Plan, PlannedStep } from '../../../src/engine/plan-types.js';
import { makePlan, planDigest } from '../../../src/engine/planner.js';
import { undoSteps } from '../../../src/engine/undo.js';
import { NO_DATA, defineActionModule } from '../../../src/modules/define.js';
import { fileModule } from '../../../src/modules/file/module.js';
import { createModuleRegistry } from '../../../src/modules/registry.js';
import type { ModuleRegistry } from '../../../src/modules/registry-types.js';
import { renderPlanMarkdown } from '../../../src/report/plan-markdown.js';
import { renderPlanText } from '../../../src/report/plan-text.js';
import { baseFacts, debianProfile, scratchDir, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

const RUNBOOK = `id: rb-demo
title: Rollback demo
description: a file step with an explicit, templated rollback
symptoms: []
variables:
  target: { type: string, default: /nonexistent, description: the file }
  restore_mode: { type: string, default: "0640", description: the mode the rollback sets }
steps:
  - name: tighten the file
    module: file
    args: { path: "{{ var.target }}", state: present, mode: "0600" }
    risk: low
    rollback:
      module: file
      args: { path: "{{ var.target }}", state: present, mode: "{{ var.restore_mode }}" }
verify:
  - name: postfix is installed
    that: { fact: postfix.installed, equals: true }
`;

async function planFor(s: Scratch, yaml: string, vars: Record<string, string>, modules: ModuleRegistry = createModuleRegistry()): Promise<{ plan: Plan; step: PlannedStep }> {
  const rb = parseRunbook(parseYaml(join(s.dir, 'rb-demo.yaml'), yaml), modules);
  const catalog: Catalog = { runbooks: new Map([[rb.id, rb]]), profiles: new Map([['debian', debianProfile()]]) };
  const plan = await makePlan({ catalog, modules, ctx: testContext(baseFacts()), findings: [], runbookIds: [rb.id], vars: new Map(Object.entries(vars)), version: 'test' });
  const step = plan.runbooks[0]?.steps[0];
  assert.ok(step);
  return { plan, step };
}

describe('planner: how each step is undone', function () {
  this.timeout(30_000);
  let s: Scratch;
  let file: string;
  beforeEach(() => {
    s = scratchDir();
    file = join(s.dir, 'scratch.conf');
    writeFileSync(file, 'x = 1\n');
    chmodSync(file, 0o644);
  });
  afterEach(() => s.cleanup());

  it('resolves the templates of an explicit rollback, stores them in the plan, and the digest covers them', async () => {
    const { plan, step } = await planFor(s, RUNBOOK, { target: file });
    assert.equal(step.status, 'change');
    assert.deepEqual(step.rollback, { module: 'file', args: { path: file, state: 'present', mode: '0640' } });
    assert.equal(step.reversible, true);
    assert.equal(step.undo, `explicit rollback: file ${JSON.stringify({ path: file, state: 'present', mode: '0640' })}`);
    const edited = structuredClone(plan);
    const rollback = edited.runbooks[0]?.steps[0]?.rollback;
    assert.ok(rollback);
    rollback.args.mode = '0666';
    assert.notEqual(planDigest(edited), plan.fingerprint.digest, 'a saved plan whose rollback was edited no longer matches its fingerprint');
  });

  it('a rollback value that is wrong once filled in is an error at its own line in the runbook', async () => {
    await assert.rejects(planFor(s, RUNBOOK, { target: file, restore_mode: 'rw-r-----' }), (e: unknown) => {
      assert.ok(e instanceof UserErrors, String(e));
      // Line 13 is the step's `rollback:`.
      assert.match(e.format(), /rb-demo\.yaml:13:5: args: rollback of step "tighten the file": after templates were filled in, args\.mode must match pattern "\^0\?\[0-7\]\{3,4\}\$" \(value: "rw-r-----"\)/);
      return true;
    });
  });

  it('undo runs the rollback as planned, templates filled in (from the journal, as `postfix-fix rollback` does)', async () => {
    const { step } = await planFor(s, RUNBOOK, { target: file, restore_mode: '0604' });
    const ctx = testContext(baseFacts());
    const change = fileModule.diff(ctx, step.args, await fileModule.inspect(ctx, step.args));
    assert.ok(change);
    // What the transaction journals for a step: the plan's args and rollback, then the change.
    const path = join(s.dir, 'journal.jsonl');
    const journal = await Journal.open(path);
    await journal.append({ type: 'step-intent', seq: step.seq, at: 't', stepId: step.stepId, runbook: step.runbook, name: step.name, module: step.module, args: step.args, change, rollback: step.rollback });
    await fileModule.apply(ctx, step.args, change);
    await journal.append({ type: 'step-applied', seq: step.seq, at: 't', applied: null });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const results = await undoSteps(stepHistories((await readJournal(path)).records), ctx, createModuleRegistry(), journal, 'test');
    await journal.close();
    assert.deepEqual(results.map((r) => [r.ok, r.error]), [[true, undefined]], JSON.stringify(results));
    // 0604, not the 0644 the file module's own undo would have put back: the rollback ran, resolved.
    assert.equal(statSync(file).mode & 0o777, 0o604);
  });

  it('a step whose module cannot undo it says so: JSON, text and markdown, and the plan\'s summary', async () => {
    let sent = 0;
    const notify = defineActionModule({
      name: 'notify',
      description: 'test: sends a notice (no way to unsend it)',
      args: { type: 'object', additionalProperties: false, properties: {} } as const,
      data: NO_DATA,
      restore: NO_DATA,
      irreversible: 'a notice that was sent cannot be unsent',
      inspect: async () => sent,
      diff: () => ({ summary: 'send a notice', diff: ['~ send a notice'], data: null, intent: null, restore: null }),
      apply: async () => {
        sent++;
        return undefined;
      },
      verify: async () => ({ ok: sent > 0, evidence: [`${sent} sent`] }),
    });
    const real = createModuleRegistry();
    const modules = createModuleRegistry([...real.actionNames().map((n) => real.action(n)!), notify]);
    const yaml = RUNBOOK.replace(/steps:[\s\S]*verify:/, 'steps:\n  - name: tell the admin\n    module: notify\n    risk: low\nverify:');
    const { plan, step } = await planFor(s, yaml, { target: file }, modules);
    assert.equal(step.status, 'change');
    assert.equal(step.reversible, false);
    assert.equal(step.undo, 'cannot be undone: a notice that was sent cannot be unsent');
    assert.equal((JSON.parse(JSON.stringify(plan)) as Plan).runbooks[0]?.steps[0]?.reversible, false);
    const text = renderPlanText(plan);
    assert.match(text, /\n {6}undo: cannot be undone: a notice that was sent cannot be unsent\n/);
    assert.match(text, /Summary: 1 change \(highest risk: low\); 1 cannot be undone\./);
    const md = renderPlanMarkdown(plan);
    assert.match(md, /Undo: cannot be undone: a notice that was sent cannot be unsent\./);
    assert.match(md, /\*\*1 cannot be undone\*\*/);
    // An explicit rollback makes it reversible again, and the plan says how.
    const withRollback = yaml.replace('    risk: low\nverify:', `    risk: low\n    rollback: { module: file, args: { path: "${file}", state: present } }\nverify:`);
    const again = await planFor(s, withRollback, {}, modules);
    assert.equal(again.step.reversible, true);
    assert.match(again.step.undo, /^explicit rollback: file /);
    assert.doesNotMatch(renderPlanText(again.plan), /cannot be undone/);
  });

  // Seen in the real-SELinux VM: the mac fact timed out and fell back to "absent" on an enforcing
  // host; the runbook was blocked with "mac.selinux = absent" and nothing said the fact was unknown.
  it('a precondition on a fact whose gathering failed says so beside the fallback value', async () => {
    const rb = parseRunbook(parseYaml(join(s.dir, 'rb-mac.yaml'), RUNBOOK.replace('symptoms: []', 'symptoms: []\npreconditions:\n  - name: SELinux is enabled\n    that: { fact: mac.selinux, in: [enforcing, permissive] }')), createModuleRegistry());
    const catalog: Catalog = { runbooks: new Map([[rb.id, rb]]), profiles: new Map([['debian', debianProfile()]]) };
    const facts = baseFacts();
    facts.errors.push({ fact: 'mac', message: 'gathering mac timed out after 1500 ms' });
    const plan = await makePlan({ catalog, modules: createModuleRegistry(), ctx: testContext(facts), findings: [], runbookIds: [rb.id], vars: new Map([['target', file]]), version: 'test' });
    const reason = plan.runbooks[0]?.blockedReason ?? '';
    assert.match(reason, /^precondition failed: SELinux is enabled \(.*mac\.selinux = "absent".*; mac\.selinux could not be gathered: gathering mac timed out after 1500 ms\)$/);
    // Gathered, the same failure says no more than the value.
    const known = await makePlan({ catalog, modules: createModuleRegistry(), ctx: testContext(baseFacts()), findings: [], runbookIds: [rb.id], vars: new Map([['target', file]]), version: 'test' });
    assert.doesNotMatch(known.runbooks[0]?.blockedReason ?? '', /could not be gathered/);
  });
});
