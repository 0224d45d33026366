// One builder for the run report, whatever path the run took: each outcome the engine returns
// becomes a report that validates against the published schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { toRunReport } from '../../../src/report/run-report.js';
import type { RunReportMeta } from '../../../src/report/run-report.js';
import type { RunOutcome } from '../../../src/engine/run/index.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { applyAll, converging, diagnosisOf, settingRunbook, world } from '../engine/run/harness.js';

const schema = JSON.parse(readFileSync(new URL('../../../schemas/run-report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema); // startedAt's format is checked below

describe('report: toRunReport', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-report-')));
  afterEach(() => s.cleanup());

  const meta = (startedAt: number): RunReportMeta => ({
    command: 'run',
    version: '9.9.9',
    host: { hostname: 'mx1', os: 'Debian GNU/Linux 12 (bookworm)', profile: 'debian', serviceManager: 'systemd' },
    startedAt,
    timing: { diagnoseMs: 12, planMs: 3 },
  });

  async function outcomes(): Promise<Record<string, RunOutcome>> {
    const ok = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }])]);
    const failing = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }, { key: 'b', value: '2', fail: 'apply' }])]);
    const idle = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }])]);
    idle.host.values.set('a', '1');
    const rounds = world(s.dir, [settingRunbook('first', [{ key: 'a', value: '1' }]), settingRunbook('second', [{ key: 'b', value: '2' }])]);
    rounds.deps.converge = converging(rounds);
    rounds.deps.proveEndToEnd = async () => [{ name: 'greets', ok: false, evidence: ['refused'] }, { name: 'relay', ok: null, evidence: ['not tried'] }];
    return {
      converged: (await rounds.apply(await rounds.plan(['first'], diagnosisOf(rounds.host)), applyAll)).outcome,
      changed: (await ok.apply(await ok.plan(['first']), applyAll)).outcome,
      failed: (await failing.apply(await failing.plan(['first']), applyAll)).outcome,
      idle: (await idle.apply(await idle.plan(['first']), applyAll)).outcome,
    };
  }

  it('every outcome becomes a schema-valid report, with the outcome carried over unchanged', async () => {
    for (const [name, outcome] of Object.entries(await outcomes())) {
      const startedAt = outcome.timing.startedAt - 15;
      const report = toRunReport(outcome, meta(startedAt));
      assert.ok(validate(report), `${name}: ${JSON.stringify(validate.errors)}`);
      assert.equal(report.status, outcome.status);
      assert.equal(report.exitCode, outcome.exitCode);
      assert.equal(report.runId, outcome.runId);
      assert.equal(report.journal, outcome.journal);
      assert.deepEqual(report.steps, outcome.steps);
      assert.deepEqual(report.rollback, outcome.rollback);
      assert.equal(report.startedAt, new Date(startedAt).toISOString());
      assert.equal(report.durationMs, outcome.timing.endedAt - startedAt, 'counted from the command start, diagnose included');
      assert.deepEqual(report.timing, { diagnoseMs: 12, planMs: 3, applyMs: outcome.timing.applyMs });
      assert.deepEqual(report.tool, { name: 'postfix-fix', version: '9.9.9' });
      assert.deepEqual(report.rounds, outcome.rounds);
      assert.deepEqual(report.proof, outcome.proof);
    }
  });
});
