// One table for every command, documented in the README. Scripts branch on these numbers, so a
// value, once published, never changes meaning.
export const ExitCode = {
  /** Healthy / nothing to do / the command did what was asked. */
  Ok: 0,
  /** A bug in postfix-fix (or diagnose itself could not run). */
  Internal: 1,
  /** Bad usage or invalid input: flags, runbooks, profiles, plan or policy files, --var values. */
  InvalidInput: 2,
  /** A step failed; everything this run applied was rolled back and verified. */
  FailedRolledBack: 3,
  /** A problem remains that needs a human (no runbook fixes it, or it was skipped by risk/policy/answer). */
  NeedsHuman: 4,
  /** Refused before changing anything: lock held, saved plan drifted or from another version. */
  Refused: 5,
  /** A step failed and rollback could not restore everything: read the report, then `rollback`. */
  RollbackIncomplete: 6,
  /** diagnose: problems found that a runbook fixes; plan --detailed-exitcodes: the plan has changes. */
  ChangesNeeded: 7,
  /** run/apply --detailed-exitcodes: changes were made and the host is now healthy. */
  Changed: 10,
  /** Interrupted by a signal (130 = 128 + SIGINT). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_DOCS: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.Ok, 'OK: healthy, nothing to do, or done (run/apply without --detailed-exitcodes)'],
  [ExitCode.Internal, 'internal error in postfix-fix (a bug: please report it with --debug output)'],
  [ExitCode.InvalidInput, 'invalid usage or input (flags, runbook, profile, plan, policy, --var)'],
  [ExitCode.FailedRolledBack, 'a step failed; what this run changed was rolled back and verified'],
  [ExitCode.NeedsHuman, 'a problem remains that needs a human (see the report for what and why)'],
  [ExitCode.Refused, 'refused before any change: another run holds the lock, or the saved plan drifted'],
  [ExitCode.RollbackIncomplete, 'a step failed and rollback was incomplete: read the report, run `postfix-fix rollback`'],
  [ExitCode.ChangesNeeded, 'diagnose: problems a runbook fixes; plan --detailed-exitcodes: changes pending'],
  [ExitCode.Changed, 'run/apply --detailed-exitcodes: changes made, host healthy'],
  [ExitCode.Interrupted, 'interrupted (SIGINT/SIGTERM); applied steps were rolled back'],
];
