// The end of `run` and `apply`: save the report beside the journal, print it (JSON on stdout, or
// the human summary), and map it to an exit code.

import { join } from 'node:path';
import { writeFileAtomic } from '../exec/host-fs.js';
import { ExitCode } from '../core/exit-codes.js';
import { runDirOf } from '../engine/state-dir.js';
import { Redactor } from '../core/redact.js';
import type { RunReport } from '../report/run-report.js';
import { renderRunText } from '../report/run-text.js';

export async function finishRun(report: RunReport, stateDir: string, json: boolean, detailed: boolean, redactor: Redactor = new Redactor()): Promise<number> {
  const shown = redactor.json(report);
  if (report.runId) await writeFileAtomic(join(runDirOf(stateDir, report.runId), 'report.json'), JSON.stringify(shown, null, 2) + '\n', { mode: 0o600 });
  process.stdout.write(json ? JSON.stringify(shown, null, 2) + '\n' : renderRunText(shown));
  if (!detailed && report.exitCode === ExitCode.Changed) return ExitCode.Ok;
  return report.exitCode;
}
