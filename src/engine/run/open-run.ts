// A run's home: a fresh id, its directory under the state dir (0700: journals hold main.cf
// snapshots), the command log beside the journal, and the transaction that journals into it.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_CHANGE_LOG } from '../change-log.js';
import type { Plan } from '../plan-types.js';
import { newRunId, runDirOf } from '../state-dir.js';
import { Transaction } from '../transaction.js';
import type { RunDeps } from './types.js';

export interface OpenRun {
  runId: string;
  runDir: string;
  journal: string;
  tx: Transaction;
}

export async function openRun(plan: Plan, deps: RunDeps): Promise<OpenRun> {
  const runId = newRunId();
  const runDir = runDirOf(deps.stateDir, runId);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  deps.commandLog?.mirrorToFile(join(runDir, 'commands.log'));
  const journal = join(runDir, 'journal.jsonl');
  const tx = await Transaction.begin({
    runId,
    journalPath: journal,
    command: deps.command,
    version: deps.version,
    planDigest: plan.fingerprint.digest,
    // A copy: verifications refresh its facts, and the caller's context stays read-only.
    ctx: { ...deps.ctx, runDir },
    modules: deps.modules,
    runbooks: deps.runbooks,
    changeLog: deps.changeLog?.(runId) ?? NO_CHANGE_LOG,
    guards: deps.guards,
    ...(deps.causeProbe ? { causeProbe: deps.causeProbe } : {}),
    refreshFacts: deps.refreshFacts,
  });
  return { runId, runDir, journal, tx };
}
