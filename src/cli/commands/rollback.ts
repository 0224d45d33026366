import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { Journal, readJournal, stepHistories } from '../../engine/journal.js';
import type { JournalRecord } from '../../engine/journal.js';
import { createSyslogChangeLog } from '../../engine/change-log.js';
import { acquireLock } from '../../engine/lock.js';
import { ensureStateDir, isValidRunId, listRunIds, runDirOf } from '../../engine/state-dir.js';
import { undoSteps } from '../../engine/undo.js';
import { redactorForHost } from '../../core/redact.js';
import { flag, parseCommandArgs, stringOpt } from '../args.js';
import { createRuntime, moduleContext, viewHost } from '../runtime.js';

interface RunSummary {
  runId: string;
  command: string;
  status: string;
  changes: number;
  pending: number;
  corruptLines: number;
}

async function summarize(stateDir: string, runId: string): Promise<RunSummary> {
  const { records, corrupt } = await readJournal(join(runDirOf(stateDir, runId), 'journal.jsonl')).catch(() => ({ records: [] as JournalRecord[], corrupt: [{ line: 0, reason: 'journal missing' }] }));
  const start = records.find((r) => r.type === 'run-start');
  const end = [...records].reverse().find((r) => r.type === 'run-end');
  const hist = stepHistories(records);
  return {
    runId,
    command: start?.type === 'run-start' ? start.command : '?',
    status: end?.type === 'run-end' ? end.status : 'no end record (killed or still running)',
    changes: hist.length,
    pending: hist.filter((h) => !h.undone).length,
    corruptLines: corrupt.length,
  };
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('rollback', argv);
  const rt = createRuntime(a);
  const json = flag(a, 'json');
  const guard = flag(a, 'guard');
  await ensureStateDir(rt.stateDir);

  if (flag(a, 'list')) {
    const runs = await Promise.all((await listRunIds(rt.stateDir)).map((id) => summarize(rt.stateDir, id)));
    if (json) process.stdout.write(JSON.stringify({ schemaVersion: 1, runs }, null, 2) + '\n');
    else if (runs.length === 0) process.stdout.write('No runs recorded.\n');
    else for (const r of runs) process.stdout.write(`${r.runId}  ${r.command.padEnd(6)} ${r.status.padEnd(20)} ${r.changes} change(s), ${r.pending} not undone${r.corruptLines ? `, ${r.corruptLines} damaged journal line(s)` : ''}\n`);
    return ExitCode.Ok;
  }

  let runId = a.positionals[0];
  if (runId && flag(a, 'last')) throw new UserError('give a RUN_ID or --last, not both');
  if (!runId && !flag(a, 'last')) throw new UserError('which run? give a RUN_ID or --last', { hints: ['see the runs with: postfix-fix rollback --list'] });
  const stepFlag = stringOpt(a, 'step');
  const onlyStep = stepFlag === undefined ? null : Number(stepFlag);
  if (onlyStep !== null && (!Number.isInteger(onlyStep) || onlyStep < 1)) throw new UserError(`--step ${JSON.stringify(stepFlag)}: expected a step number`);

  const lock = guard ? null : await acquireLock(rt.stateDir, ['postfix-fix', 'rollback', ...argv].join(' '));
  try {
    if (!runId) {
      const ids = (await listRunIds(rt.stateDir)).reverse();
      for (const id of ids) if ((await summarize(rt.stateDir, id)).pending > 0) {
        runId = id;
        break;
      }
      if (!runId) {
        process.stdout.write(json ? JSON.stringify({ schemaVersion: 1, runId: null, undone: [], message: 'nothing to roll back' }) + '\n' : 'Nothing to roll back: no run has changes that are not undone.\n');
        return ExitCode.Ok;
      }
    }
    if (!isValidRunId(runId)) throw new UserError(`not a run id: ${JSON.stringify(runId)}`, { hints: ['see the runs with: postfix-fix rollback --list'] });
    const path = join(runDirOf(rt.stateDir, runId), 'journal.jsonl');
    const { records, corrupt } = await readJournal(path).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`no journal for run ${runId} (${e.code ?? e.message})`, { hints: ['see the runs with: postfix-fix rollback --list'] });
    });
    const histories = stepHistories(records).filter((h) => !h.undone && (onlyStep === null || h.seq === onlyStep));
    const notes = corrupt.map((c) => `journal line ${c.line} is unreadable (${c.reason}); ${c.reason.startsWith('truncated') ? 'it was being written when the process died, before the change it describes was made, so nothing is lost' : 'if it recorded a change, that change cannot be undone automatically — compare the host with the backups by hand'}`);
    // A step whose later records survived but whose intent (the undo data) did not: name it.
    const intents = new Set(records.flatMap((r) => (r.type === 'step-intent' ? [r.seq] : [])));
    const orphans = [...new Set(records.flatMap((r) => ('seq' in r && r.type !== 'step-intent' && !intents.has(r.seq) && (onlyStep === null || r.seq === onlyStep) ? [r.seq] : [])))].sort((x, y) => x - y);
    let lost = 0;
    for (const seq of orphans) {
      const applied = records.some((r) => r.type === 'step-applied' && r.seq === seq);
      const undone = records.some((r) => r.type === 'step-undone' && r.seq === seq);
      if (!undone) lost++;
      notes.push(`step ${seq}: its intent record is damaged, so it cannot be undone automatically${undone ? ' (the journal says it was already undone)' : applied ? ' — the journal says it was applied: restore it by hand' : ' — it may have been applied: check it by hand'}`);
    }
    if (histories.length === 0) {
      const text = lost > 0 ? `ROLLBACK INCOMPLETE for run ${runId}: nothing in it can be undone automatically.\n` : `Nothing to roll back in run ${runId}: every change is already undone.\n`;
      if (!guard) process.stdout.write(json ? JSON.stringify({ schemaVersion: 1, runId, ok: lost === 0, undone: [], notes }) + '\n' : `${text}${notes.map((n) => `note: ${n}\n`).join('')}`);
      return lost > 0 ? ExitCode.RollbackIncomplete : ExitCode.Ok;
    }
    const host = await viewHost(rt, 5000);
    const journal = await Journal.open(path);
    const results = await undoSteps(histories, moduleContext(rt, host, runDirOf(rt.stateDir, runId)), rt.modules, journal, guard ? 'deadline guard' : 'postfix-fix rollback');
    await journal.close();
    const changeLog = createSyslogChangeLog(rt.exec, runId);
    for (const r of results) await changeLog.record(`step ${r.seq} ${r.name}: ${r.ok ? 'undone' : `NOT undone (${r.error ?? 'failed'})`} (${guard ? 'deadline guard' : 'postfix-fix rollback'})`);
    // A step whose undo data is lost counts against "rolled back", even if the rest succeeded.
    const ok = results.every((r) => r.ok) && lost === 0;
    const redact = await redactorForHost(rt.fs, host.facts.postfix.configDir, records);
    const shown = redact.json(results);
    if (json) process.stdout.write(JSON.stringify({ schemaVersion: 1, runId, ok, undone: shown, notes }, null, 2) + '\n');
    else {
      process.stdout.write(`${ok ? 'Rolled back' : 'ROLLBACK INCOMPLETE for'} run ${runId}:\n`);
      for (const r of shown) process.stdout.write(`  ${r.ok ? '↺' : '✗'} step ${r.seq} ${r.name}${r.error ? ` — ${r.error}` : ''}\n${r.evidence.map((e) => `      ${e}\n`).join('')}`);
      for (const n of notes) process.stdout.write(`note: ${n}\n`);
    }
    return ok ? ExitCode.Ok : ExitCode.RollbackIncomplete;
  } finally {
    await lock?.release();
  }
}
