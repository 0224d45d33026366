// The journal: an append-only record of a run, written *before* each change and fsynced, so
// `rollback` can undo a run even after the process was killed. Each line is `SUM JSON`, where SUM
// is the first 16 hex digits of the JSON's sha256: a torn last line or a corrupted byte is
// detected, and everything after it is treated as unknown rather than trusted.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { StepAction } from './catalog/types.js';
import type { Change, Outcome } from '../modules/types.js';
import { Redactor } from '../core/redact.js';

export type JournalRecord =
  | { type: 'run-start'; runId: string; at: string; command: string; version: string; host: string; planDigest: string | null }
  | { type: 'step-intent'; seq: number; at: string; stepId: string; runbook: string; name: string; module: string; args: JsonObject; change: Change; rollback: StepAction | null }
  | { type: 'step-applied'; seq: number; at: string; applied: JsonValue | null }
  | { type: 'step-verified'; seq: number; at: string; outcome: Outcome }
  | { type: 'step-failed'; seq: number; at: string; error: string; evidence: string[] }
  | { type: 'guard-scheduled'; seq: number; at: string; deadline: string; mechanism: string; handle: string }
  | { type: 'step-undone'; seq: number; at: string; outcome: Outcome; by: string }
  | { type: 'undo-failed'; seq: number; at: string; error: string; evidence: string[] }
  /** A converging run's further round begins (the first round is the run-start's plan). */
  | { type: 'round-start'; round: number; at: string; runbooks: string[]; causes: string[]; planDigest: string }
  | { type: 'run-end'; at: string; status: string };

const sum = (json: string): string => createHash('sha256').update(json).digest('hex').slice(0, 16);

export function encodeRecord(rec: JournalRecord): string {
  const json = JSON.stringify(rec);
  return `${sum(json)} ${json}\n`;
}

export interface CorruptLine {
  line: number; // 1-based
  reason: string;
}

export interface JournalReadResult {
  records: JournalRecord[];
  /** Lines that could not be trusted; reading goes on after them, and rollback says what is lost. */
  corrupt: CorruptLine[];
}

export function decodeJournal(text: string): JournalReadResult {
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  if (endsClean) lines.pop();
  const records: JournalRecord[] = [];
  const corrupt: CorruptLine[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    const torn = i === lines.length - 1 && !endsClean;
    const m = /^([0-9a-f]{16}) (\{.*\})$/.exec(line);
    if (!m || sum(m[2] as string) !== m[1]) {
      corrupt.push({ line: i + 1, reason: torn ? 'truncated: the process died while writing it' : !m ? 'not a journal record' : 'checksum mismatch: the file was damaged' });
      return;
    }
    try {
      records.push(JSON.parse(m[2] as string) as JournalRecord);
    } catch {
      corrupt.push({ line: i + 1, reason: 'invalid JSON' });
    }
  });
  return { records, corrupt };
}

export async function readJournal(path: string): Promise<JournalReadResult> {
  return decodeJournal(await fsp.readFile(path, 'utf8'));
}

export class Journal {
  // Learns main.cf secrets from the snapshots it journals, to keep them out of the diff lines.
  private readonly redactor = new Redactor();

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<Journal> {
    const fh = await fsp.open(path, 'a+', 0o600);
    // After a crash mid-write the file may end in a torn line: start ours on a fresh one.
    const { size } = await fh.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fh.write('\n');
    }
    return new Journal(path, fh);
  }

  /** Durable before it returns: the caller may change the host right after. */
  async append(rec: JournalRecord): Promise<void> {
    await this.fh.write(encodeRecord(redactJournalRecord(rec, this.redactor)));
    await this.fh.sync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** What a journal says about each step: the basis of rollback. */
export interface StepHistory {
  seq: number;
  intent: Extract<JournalRecord, { type: 'step-intent' }>;
  applied: JsonValue | null | undefined; // undefined: no step-applied record
  undone: boolean;
  failedUndo: boolean;
  guard: Extract<JournalRecord, { type: 'guard-scheduled' }> | null;
}

export function stepHistories(records: JournalRecord[]): StepHistory[] {
  const map = new Map<number, StepHistory>();
  for (const r of records) {
    if (r.type === 'step-intent') map.set(r.seq, { seq: r.seq, intent: r, applied: undefined, undone: false, failedUndo: false, guard: null });
    const h = 'seq' in r ? map.get(r.seq) : undefined;
    if (!h) continue;
    if (r.type === 'step-applied') h.applied = r.applied;
    if (r.type === 'step-undone') {
      h.undone = true;
      h.failedUndo = false;
    }
    if (r.type === 'undo-failed') h.failedUndo = true;
    if (r.type === 'guard-scheduled') h.guard = r;
  }
  return [...map.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The journal line as written: what a person reads (summary, diff, evidence, errors) is
 * redacted; what undo needs (args, change.data/intent/restore, applied) keeps its real bytes.
 */
export function redactJournalRecord(rec: JournalRecord, r: Redactor): JournalRecord {
  switch (rec.type) {
    case 'step-intent':
      r.learnFromSnapshots(rec.change.restore);
      return { ...rec, change: { ...rec.change, summary: r.text(rec.change.summary), diff: r.lines(rec.change.diff) } };
    case 'step-verified':
    case 'step-undone':
      return { ...rec, outcome: { ...rec.outcome, evidence: rec.outcome.evidence.map((e) => r.text(e)) } };
    case 'step-failed':
    case 'undo-failed':
      return { ...rec, error: r.text(rec.error), evidence: rec.evidence.map((e) => r.text(e)) };
    default:
      return rec;
  }
}
