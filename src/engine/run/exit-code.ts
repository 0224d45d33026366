// The run's status as the exit code scripts branch on (README "Exit codes"). A change that worked
// still exits 4 when something is left for a person: "changed" alone would read as "all fixed".

import { ExitCode } from '../../core/exit-codes.js';
import type { RunStatus } from './types.js';

export function exitCodeFor(status: RunStatus, needsHuman: boolean): ExitCode {
  switch (status) {
    case 'failed-rolled-back':
    case 'aborted':
      return ExitCode.FailedRolledBack;
    case 'rollback-incomplete':
      return ExitCode.RollbackIncomplete;
    case 'interrupted':
      return ExitCode.Interrupted;
    case 'refused':
      return ExitCode.Refused;
    case 'needs-human':
      return ExitCode.NeedsHuman;
    case 'changed':
      return needsHuman ? ExitCode.NeedsHuman : ExitCode.Changed;
    case 'nothing-to-do':
      return needsHuman ? ExitCode.NeedsHuman : ExitCode.Ok;
  }
}
