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

/**
 * What each code means, in one place: `--help` and the man page print it (help.ts), the README's
 * table is generated from it (`npm run gen`), and a test keeps all three equal. Markdown
 * backticks mark commands and flags; plain-text renderings drop them.
 */
export const EXIT_CODE_DOCS: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.Ok, 'OK: healthy, nothing to do, or done (`run`/`apply` without `--detailed-exitcodes`)'],
  [ExitCode.Internal, 'internal error in postfix-fix (a bug: report it with the `--debug` output)'],
  [ExitCode.InvalidInput, 'invalid usage or input: flags, runbook, profile, plan, policy, `--var`'],
  [ExitCode.FailedRolledBack, 'a step failed; everything this run applied was rolled back and verified'],
  [ExitCode.NeedsHuman, 'a problem remains that needs a human (blocked runbook, skipped step, cause no runbook fixes)'],
  [ExitCode.Refused, 'refused before any change: another run holds the lock, or the saved plan drifted'],
  [ExitCode.RollbackIncomplete, 'a step failed and rollback was incomplete: read the report, then `postfix-fix rollback`'],
  [ExitCode.ChangesNeeded, '`diagnose`: problems a runbook fixes; `plan --detailed-exitcodes`: changes pending'],
  [ExitCode.Changed, '`run`/`apply --detailed-exitcodes`: changes made, host healthy'],
  [ExitCode.Interrupted, 'interrupted (SIGINT/SIGTERM); what had been applied was rolled back'],
];

/** The table as `--help` and the man page print it. */
export function exitCodeLines(): string[] {
  return EXIT_CODE_DOCS.map(([code, text]) => `  ${String(code).padEnd(3)} ${text.replace(/`/g, '')}`);
}

/** The table as the README shows it (generated into README.md between its markers). */
export function exitCodeMarkdown(): string {
  return ['| code | meaning |', '|---:|---|', ...EXIT_CODE_DOCS.map(([code, text]) => `| ${code} | ${text} |`)].join('\n');
}
