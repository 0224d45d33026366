// The module contract (define.ts): whatever crosses a file is decoded through the module's
// schemas before its typed functions see it. A toy module is written here with the real
// defineActionModule (it is the thing under test); the real modules are then held to it.
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepFailure } from '../../../src/core/errors.js';
import type { Executor } from '../../../src/core/exec.js';
import type { JsonObject } from '../../../src/core/json.js';
import { Journal, readJournal, stepHistories } from '../../../src/engine/journal.js';
import { undoSteps } from '../../../src/engine/undo.js';
import type { StepHistory } from '../../../src/engine/journal.js';
import { NO_DATA, decode, defineActionModule } from '../../../src/modules/define.js';
import { fileModule } from '../../../src/modules/file/module.js';
import { queueModule } from '../../../src/modules/queue/module.js';
import { createModuleRegistry } from '../../../src/modules/registry.js';
import { selinuxPermissiveModule } from '../../../src/modules/selinux/permissive.js';
import { serviceModule } from '../../../src/modules/service/module.js';
import { smtpCheck } from '../../../src/modules/smtp/module.js';
import type { Change, ModuleContext } from '../../../src/modules/types.js';
import { baseFacts, scratchDir, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

/** An executor that fails the test if anything is run: for code paths that must not touch the host. */
const noCommands: Executor = {
  has: () => false,
  run: (argv) => assert.fail(`no command may run here, but ${argv.join(' ')} was`),
};

function quietContext(): ModuleContext {
  return { ...testContext(baseFacts()), exec: noCommands };
}

// A counter in memory, with its own schemas: `to` has a default; `bump` journals from/to.
let counter = 0;
const counterModule = defineActionModule({
  name: 'counter',
  description: 'test: set an in-memory counter',
  args: { type: 'object', additionalProperties: false, properties: { to: { type: 'integer', minimum: 0, default: 7 } } } as const,
  data: { type: 'object', additionalProperties: false, required: ['to'], properties: { to: { type: 'integer' } } } as const,
  restore: { type: 'object', additionalProperties: false, required: ['was'], properties: { was: { type: 'integer' } } } as const,
  applied: { type: 'object', additionalProperties: false, required: ['wrote'], properties: { wrote: { type: 'integer' } } } as const,
  async inspect() {
    return { value: counter };
  },
  diff(_ctx, { to }, { value }) {
    return value === to ? null : { summary: `counter ${value} → ${to}`, diff: [`~ set ${to}`], data: { to }, intent: { to }, restore: { was: value } };
  },
  async apply(_ctx, _args, { data }) {
    counter = data.to;
    return { wrote: data.to };
  },
  async verify(_ctx, { to }) {
    return { ok: counter === to, evidence: [`counter = ${counter}`] };
  },
  async undo(_ctx, { change, applied }) {
    counter = change.restore.was;
    return [`counter back to ${counter}${applied ? ` (apply wrote ${applied.wrote})` : ''}`];
  },
});

describe('modules/define: one typed module contract', () => {
  beforeEach(() => (counter = 0));

  it('args get the schema defaults before the module sees them; the caller\'s object is not changed', async () => {
    const ctx = quietContext();
    const args = {};
    const change = counterModule.diff(ctx, args, await counterModule.inspect(ctx, args));
    assert.deepEqual(change?.data, { to: 7 });
    assert.deepEqual(args, {}, 'decoded on a copy');
    // The real modules' defaults: in their schemas, not in code.
    const permissive = selinuxPermissiveModule.diff(ctx, {}, { mode: 'Enforcing' });
    assert.equal(permissive?.temporary?.seconds, 600);
    assert.equal(smtpCheck.describe({ port: 25 }), 'banner on 127.0.0.1:25');
  });

  it('a decode error names the module and the field', () => {
    assert.throws(
      () => decode(serviceModule.argsSchema, { service: 'postfix', state: 'running' }, 'service: args'),
      (e: unknown) => e instanceof StepFailure && /^service: args\.state "running" is not one of "started", "stopped"/.test(e.message),
    );
    const ctx = quietContext();
    assert.throws(
      () => counterModule.diff(ctx, { to: -1 }, { value: 0 }),
      (e: unknown) => e instanceof StepFailure && e.message === 'counter: args.to must be >= 0 (value: -1)',
    );
    assert.throws(
      () => counterModule.diff(ctx, { to: 1, extra: true }, { value: 0 }),
      (e: unknown) => e instanceof StepFailure && e.message === 'counter: args.extra is not a known field',
    );
  });

  it('a change that does not match the module\'s own journal schema is refused before it is journaled, as a bug', () => {
    const sloppy = defineActionModule({
      name: 'sloppy',
      description: 'test: journals the wrong shape',
      args: { type: 'object' } as const,
      data: NO_DATA,
      restore: { type: 'object', required: ['was'], properties: { was: { type: 'integer' } } } as const,
      async inspect() {
        return null;
      },
      diff: () => ({ summary: 's', diff: [], data: null, intent: null, restore: JSON.parse('{"was":"zero"}') as { was: number } }),
      apply: async () => undefined,
      verify: async () => ({ ok: true, evidence: [] }),
      undo: async () => [],
    });
    assert.throws(
      () => sloppy.diff(quietContext(), {}, null),
      (e: unknown) => e instanceof Error && !(e instanceof StepFailure) && /^internal error: sloppy planned a change its own schemas reject: sloppy: change\.restore\.was must be integer/.test(e.message),
    );
  });

  it('a journal record damaged in shape: undo fails with a StepFailure naming the field, before touching anything', async () => {
    const ctx = quietContext();
    const snapshot = { path: '/etc/postfix/main.cf', exists: true, sha256: null, contentBase64: null, mode: 0o644, uid: 0, gid: 0 };
    const change: Change = { summary: 'chmod', diff: [], data: { remove: false, mode: 0o600, uid: null, gid: null }, intent: null, restore: { snapshot, ownerName: 'root', groupName: 'root', wantUid: null, wantGid: null } };
    const damaged = { ...change, restore: { snapshot: { ...snapshot, mode: '0644' }, ownerName: 'root', groupName: 'root', wantUid: null, wantGid: null } };
    await assert.rejects(fileModule.undo(ctx, { args: { path: '/etc/postfix/main.cf', state: 'present', mode: '0600' }, change: damaged }), (e: unknown) => {
      assert.ok(e instanceof StepFailure, String(e));
      assert.equal(e.message, 'file: change.restore.snapshot.mode must be integer,null (value: "0644")');
      return true;
    });
    await assert.rejects(fileModule.undo(ctx, { args: { path: '/etc/postfix/main.cf', state: 'present' }, change: { ...change, data: { remove: false } } }), /^StepFailure: file: change\.data\.mode is missing/);
    await assert.rejects(counterModule.undo(ctx, { args: {}, change: { summary: '', diff: [], data: { to: 1 }, intent: null, restore: { was: 0 } }, applied: { wrote: 'one' } }), /counter: applied\.wrote must be integer/);
  });

  describe('with a journal on disk', () => {
    let s: Scratch;
    beforeEach(() => (s = scratchDir()));
    afterEach(() => s.cleanup());

    it('rollback of a damaged record is an undo-failed record, not a crash; the next record is still undone', async () => {
      const file = join(s.dir, 'x.conf');
      writeFileSync(file, 'x\n');
      chmodSync(file, 0o600);
      const ctx = testContext(baseFacts());
      const args = { path: file, state: 'present', mode: '0640' } as const;
      const change = fileModule.diff(ctx, args, await fileModule.inspect(ctx, args));
      assert.ok(change);
      await fileModule.apply(ctx, args, change);
      const intent = (seq: number, c: Change): StepHistory['intent'] => ({ type: 'step-intent', seq, at: 't', stepId: `x#${seq}`, runbook: 'x', name: `step ${seq}`, module: 'file', args, change: c, rollback: null });
      const path = join(s.dir, 'journal.jsonl');
      const journal = await Journal.open(path);
      await journal.append(intent(1, change));
      await journal.append({ type: 'step-applied', seq: 1, at: 't', applied: null });
      await journal.append(intent(2, { ...change, restore: { ...(change.restore as JsonObject), snapshot: 'gone' } }));
      await journal.append({ type: 'step-applied', seq: 2, at: 't', applied: null });
      const { records } = await readJournal(path);
      const results = await undoSteps(stepHistories(records), ctx, createModuleRegistry(), journal, 'test');
      await journal.close();
      assert.deepEqual(results.map((r) => [r.seq, r.ok]), [[2, false], [1, true]]);
      assert.equal(results[0]?.error, 'file: change.restore.snapshot must be object (value: "gone")');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the intact record was undone');
      const after = (await readJournal(path)).records;
      assert.ok(after.some((r) => r.type === 'undo-failed' && r.seq === 2 && /change\.restore\.snapshot/.test(r.error)));
    });
  });

  it('an irreversible module says so in the plan\'s terms, and its undo runs nothing', async () => {
    assert.match(queueModule.irreversible ?? '', /cannot be taken back/);
    assert.equal(counterModule.irreversible, null);
    const evidence = await queueModule.undo(quietContext(), { args: { flush: true }, change: { summary: '', diff: [], data: null, intent: null, restore: { total: 1, deferred: 1 } } });
    assert.deepEqual(evidence, [`cannot be undone: ${queueModule.irreversible}`]);
  });

  it('undo gets what apply returned, decoded through the `applied` schema', async () => {
    const ctx = quietContext();
    const change = counterModule.diff(ctx, { to: 3 }, await counterModule.inspect(ctx, { to: 3 }));
    assert.ok(change);
    const applied = await counterModule.apply(ctx, { to: 3 }, change);
    assert.deepEqual(applied, { wrote: 3 });
    assert.equal((await counterModule.verify(ctx, { to: 3 }, change)).ok, true);
    assert.deepEqual(await counterModule.undo(ctx, { args: { to: 3 }, change, ...(applied ? { applied } : {}) }), ['counter back to 0 (apply wrote 3)']);
  });
});
