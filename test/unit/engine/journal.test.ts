import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, decodeJournal, encodeRecord, readJournal, stepHistories } from '../../../src/engine/journal.js';
import type { JournalRecord } from '../../../src/engine/journal.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

const intent = (seq: number): JournalRecord => ({
  type: 'step-intent',
  seq,
  at: 't',
  stepId: `rb#${seq}`,
  runbook: 'rb',
  name: `step ${seq}`,
  module: 'file',
  args: {},
  change: { summary: 's', diff: [], data: null, intent: null, restore: null },
  rollback: null,
});

describe('journal', () => {
  let s: Scratch;
  beforeEach(() => (s = scratchDir()));
  afterEach(() => s.cleanup());

  it('round-trips records and derives each step’s history', async () => {
    const path = join(s.dir, 'journal.jsonl');
    const j = await Journal.open(path);
    await j.append(intent(1));
    await j.append({ type: 'step-applied', seq: 1, at: 't', applied: { x: 1 } });
    await j.append(intent(2));
    await j.append({ type: 'step-undone', seq: 2, at: 't', outcome: { ok: true, evidence: [] }, by: 'test' });
    await j.close();
    const { records, corrupt } = await readJournal(path);
    assert.equal(corrupt.length, 0);
    const h = stepHistories(records);
    assert.deepEqual(h.map((x) => [x.seq, x.applied, x.undone]), [[1, { x: 1 }, false], [2, undefined, true]]);
  });

  it('detects a truncated last line (killed mid-write) and keeps everything before it', () => {
    const text = encodeRecord(intent(1)) + encodeRecord(intent(2)).slice(0, 40);
    const r = decodeJournal(text);
    assert.equal(r.records.length, 1);
    assert.deepEqual(r.corrupt, [{ line: 2, reason: 'truncated: the process died while writing it' }]);
  });

  it('detects a damaged byte by checksum and still reads the lines after it', () => {
    const lines = [encodeRecord(intent(1)), encodeRecord(intent(2)), encodeRecord(intent(3))];
    lines[1] = (lines[1] as string).replace('step 2', 'step X');
    const r = decodeJournal(lines.join(''));
    assert.deepEqual(r.records.map((x) => (x as { seq: number }).seq), [1, 3]);
    assert.deepEqual(r.corrupt, [{ line: 2, reason: 'checksum mismatch: the file was damaged' }]);
  });

  it('appending after a torn line starts on a fresh line, so new records stay readable', async () => {
    const path = join(s.dir, 'journal.jsonl');
    writeFileSync(path, encodeRecord(intent(1)) + encodeRecord(intent(2)).slice(0, 30));
    const j = await Journal.open(path);
    await j.append({ type: 'step-undone', seq: 1, at: 't', outcome: { ok: true, evidence: [] }, by: 'test' });
    await j.close();
    const r = await readJournal(path);
    assert.equal(r.corrupt.length, 1);
    assert.equal(stepHistories(r.records)[0]?.undone, true);
  });

  it('garbage is reported, never parsed', () => {
    const r = decodeJournal('hello\n{"type":"step-intent"}\n');
    assert.equal(r.records.length, 0);
    assert.equal(r.corrupt.length, 2);
  });
});
