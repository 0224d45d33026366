// The two readers of our own state: the journal decoder (a file that may have been cut short or
// damaged on disk) and the saved-plan reader (a file a person may have edited, truncated, or
// brought from another host or version). Neither may crash: the decoder always returns records
// plus a list of damaged lines; the plan reader returns a plan or throws a UserError (a
// RefusedError for another version), and a plan it accepts can be fingerprinted by apply.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../../src/core/errors.js';
import { decodeJournal, encodeRecord, stepHistories } from '../../../src/engine/journal.js';
import type { JournalRecord } from '../../../src/engine/journal.js';
import { readPlanFile } from '../../../src/engine/plan-file.js';
import { planDigest } from '../../../src/engine/planner.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { check, junkText, mutatedJson, mutatedText, onlyTyped } from './fuzz-kit.js';

const VERSION = '9.9.9-fuzz';
const basePlan = JSON.parse(readFileSync(new URL('../../fixtures/hostile/base/plan.json', import.meta.url), 'utf8').replaceAll('@VERSION@', VERSION)) as Record<string, unknown>;

const records: JournalRecord[] = [
  { type: 'run-start', runId: '20261127T211503Z-9f3a', at: 't', command: 'run', version: '1', host: 'h', planDigest: null },
  { type: 'step-intent', seq: 1, at: 't', stepId: 'rb#1', runbook: 'rb', name: 'n', module: 'postconf', args: { set: { inet_interfaces: 'all' } }, change: { summary: 's', diff: ['-a', '+b'], data: { set: [['inet_interfaces', 'all']] }, intent: null, restore: { mainCf: { path: '/etc/postfix/main.cf', exists: true } } }, rollback: null },
  { type: 'step-applied', seq: 1, at: 't', applied: { writtenSha256: 'x' } },
  { type: 'step-verified', seq: 1, at: 't', outcome: { ok: true, evidence: ['inet_interfaces = all'] } },
  { type: 'step-undone', seq: 1, at: 't', outcome: { ok: true, evidence: [] }, by: 'test' },
  { type: 'run-end', at: 't', status: 'changed' },
];
const journalText = records.map(encodeRecord).join('');

describe('fuzz: journal decoder and saved-plan reader', function () {
  this.timeout(60_000);
  let s: Scratch;
  before(() => (s = scratchDir()));
  after(() => s.cleanup());

  it('decodeJournal: never throws; every record it returns had a valid checksum; histories derive', () => {
    check(fc.oneof(mutatedText([journalText]), junkText, fc.nat({ max: journalText.length }).map((n) => journalText.slice(0, n))), 1500, (text) => {
      onlyTyped(text, () => false, () => {
        const r = decodeJournal(text);
        const lines = text.split('\n').filter((l) => l !== '').length;
        assert.ok(r.records.length + r.corrupt.length <= lines);
        stepHistories(r.records.filter((x) => x !== null && typeof x === 'object'));
      });
    });
  });

  it('decodeJournal: a journal cut at any byte keeps every whole line before the cut', () => {
    check(fc.nat({ max: journalText.length }), 400, (n) => {
      const r = decodeJournal(journalText.slice(0, n));
      const whole = journalText.slice(0, n).split('\n').length - 1;
      // Every newline-terminated record survives (a last one missing only its newline may too).
      assert.ok(r.records.length === whole || r.records.length === whole + 1);
      assert.deepEqual(r.records, records.slice(0, r.records.length));
      assert.ok(r.corrupt.length <= 1 && (r.corrupt.length === 0 || /^truncated/.test(r.corrupt[0]?.reason ?? '')));
    });
  });

  it('readPlanFile: mutated real plans, arbitrary JSON and junk give a plan or a UserError', () => {
    let i = 0;
    const inputs = fc.oneof(
      { weight: 5, arbitrary: mutatedJson([basePlan]).map((v) => JSON.stringify(v) ?? 'undefined') },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: mutatedText([JSON.stringify(basePlan, null, 2)]) },
      { weight: 1, arbitrary: junkText },
    );
    check(inputs, 700, (text) => {
      const file = join(s.dir, `plan-${i++ % 8}.json`);
      writeFileSync(file, text);
      onlyTyped(text, (e) => e instanceof UserError, () => {
        const plan = readPlanFile(file, VERSION);
        planDigest(plan);
      });
    });
  });
});
