import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, stepHistories } from '../../../src/engine/journal.js';
import { StepError } from '../../../src/core/errors.js';
import { undoSteps } from '../../../src/engine/undo.js';
import { Journal } from '../../../src/engine/journal.js';
import { baseFacts, scratchDir, scratchPostfixConfig, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { modules, setup } from './fixtures/tx-setup.js';

describe('transaction (real modules on scratch files)', function () {
  this.timeout(60_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir()));
  afterEach(() => s.cleanup());

  it('a failing step rolls back every applied step; the original state is back byte for byte', async () => {
    const { file, plan, tx, mainCf } = await setup(s, true);
    const mainBefore = readFileSync(mainCf);
    const steps = plan.runbooks[0]?.steps ?? [];
    assert.deepEqual(steps.map((x) => x.status), ['change', 'change', 'change']);
    await tx.applyStep(steps[0]!);
    await tx.applyStep(steps[1]!);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(mainCf, 'utf8'), /smtp_connect_timeout = 45s/);
    await assert.rejects(tx.applyStep(steps[2]!), (e: StepError) => e instanceof StepError && /postfix check/.test(e.message));
    const undone = await tx.rollback('test');
    await tx.end('failed-rolled-back');
    assert.deepEqual(undone.map((u) => [u.seq, u.ok]), [[3, true], [2, true], [1, true]]);
    assert.deepEqual(readFileSync(mainCf), mainBefore, 'main.cf is byte for byte as before');
    assert.equal(statSync(file).mode & 0o777, 0o644);
    const { records, corrupt } = await readJournal(join(s.dir, 'journal.jsonl'));
    assert.equal(corrupt.length, 0);
    assert.ok(stepHistories(records).every((h) => h.undone), 'the journal says every step was undone');
  });

  it('two edits of main.cf in one runbook: the second is not mistaken for drift', async () => {
    const { plan, tx, mainCf } = await setup(s, false);
    const steps = plan.runbooks[0]?.steps ?? [];
    for (const st of steps) assert.equal((await tx.applyStep(st)).status, 'changed');
    await tx.end('changed');
    assert.match(readFileSync(mainCf, 'utf8'), /smtp_connect_timeout = 45s\ndelay_warning_time = 4h\n$/);
  });

  it('refuses to apply a step whose change is no longer the planned one', async () => {
    const { plan, tx, mainCf } = await setup(s, false);
    // An admin sets the parameter meanwhile: "30s → 45s" was approved, "60s → 45s" was not.
    writeFileSync(mainCf, readFileSync(mainCf, 'utf8') + 'smtp_connect_timeout = 60s\n');
    await tx.applyStep(plan.runbooks[0]!.steps[0]!);
    await assert.rejects(tx.applyStep(plan.runbooks[0]!.steps[1]!), (e: StepError) => {
      assert.match(e.message, /the host changed since the plan was made/);
      assert.ok(e.evidence.some((l) => l.includes('-smtp_connect_timeout = 60s')), e.evidence.join('\n'));
      return true;
    });
    await tx.rollback('test');
    await tx.end('failed-rolled-back');
  });

  it('SIGKILL in the middle of a step: rollback from the journal alone restores everything', async () => {
    const configDir = scratchPostfixConfig(s);
    const mainCf = join(configDir, 'main.cf');
    const file = join(s.dir, 'scratch.conf');
    const mainBefore = readFileSync(mainCf);
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/crash-run.ts', import.meta.url).pathname, s.dir, configDir], { stdio: 'ignore' });
    const journal = join(s.dir, 'journal.jsonl');
    // Kill it once step 2 (a postconf edit, which then waits in `postfix check`) is journaled.
    for (let i = 0; i < 300; i++) {
      const text = (() => { try { return readFileSync(journal, 'utf8'); } catch { return ''; } })();
      if (/"type":"step-intent","seq":2/.test(text)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.equal(statSync(file).mode & 0o777, 0o600, 'step 1 had been applied before the kill');
    const { records } = await readJournal(journal);
    const histories = stepHistories(records);
    assert.deepEqual(histories.map((h) => h.seq), [1, 2]);
    assert.equal(records.some((r) => r.type === 'run-end'), false, 'the run never finished');
    // What `postfix-fix rollback` does, in this process: only the journal is shared.
    const j = await Journal.open(journal);
    const results = await undoSteps(histories, testContext(baseFacts({ configDir: '/etc/postfix' })), modules, j, 'test');
    await j.close();
    assert.ok(results.every((r) => r.ok), JSON.stringify(results));
    assert.deepEqual(readFileSync(mainCf), mainBefore, 'main.cf byte for byte, found via the journal (not via current facts)');
    assert.equal(statSync(file).mode & 0o777, 0o644);
  });
});
