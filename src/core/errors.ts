// Two kinds of failure, kept apart so the CLI can treat them differently: a UserError is the
// operator's to fix (bad runbook, bad flag, lock held) and is printed without a stack; an
// InternalError is ours and always carries one.

import { ExitCode } from './exit-codes.js';

export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export interface UserErrorDetails {
  location?: SourceLocation;
  /** Field path inside the document, e.g. `steps[2].args.ports`. */
  field?: string;
  /** What was expected there, in words. */
  expected?: string;
  /** Lines printed after the message (a hint, a list of candidates). */
  hints?: string[];
}

export class UserError extends Error {
  readonly exitCode: ExitCode;
  readonly details: UserErrorDetails;

  constructor(message: string, details: UserErrorDetails = {}, exitCode: ExitCode = ExitCode.InvalidInput) {
    super(message);
    this.name = 'UserError';
    this.details = details;
    this.exitCode = exitCode;
  }

  /** `file:line:col: field: message (expected …)` — the shape editors and grep understand. */
  format(): string {
    const { location, field, expected, hints } = this.details;
    const where = location ? `${location.file}:${location.line}:${location.column}: ` : '';
    const what = field ? `${field}: ` : '';
    const want = expected ? ` (expected ${expected})` : '';
    const tail = hints && hints.length > 0 ? '\n' + hints.map((h) => `  ${h}`).join('\n') : '';
    return `${where}${what}${this.message}${want}${tail}`;
  }
}

/** Several user errors found in one pass (a validator reports all of them, not just the first). */
export class UserErrors extends UserError {
  readonly errors: UserError[];

  constructor(errors: UserError[]) {
    super(`${errors.length} problem${errors.length === 1 ? '' : 's'} found`, {}, errors[0]?.exitCode ?? ExitCode.InvalidInput);
    this.name = 'UserErrors';
    this.errors = errors;
  }

  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

/** The run was refused before anything changed: lock held, plan drifted, policy forbids. */
export class RefusedError extends UserError {
  constructor(message: string, details: UserErrorDetails = {}) {
    super(message, details, ExitCode.Refused);
    this.name = 'RefusedError';
  }
}

export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A command or check a step depends on failed; `evidence` is what the report shows (argv, exit, stderr). */
export class StepFailure extends Error {
  readonly evidence: string[];
  constructor(message: string, evidence: string[] = []) {
    super(message);
    this.name = 'StepFailure';
    this.evidence = evidence;
  }
}

/** The step cannot be carried out on this host as written (e.g. masking without systemd). */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotApplicable';
  }
}

/** The operator chose "abort": roll back what ran. */
export class AbortRequested extends Error {
  constructor() {
    super('aborted by the operator');
    this.name = 'AbortRequested';
  }
}

export class StepError extends Error {
  constructor(
    message: string,
    readonly step: { seq: number; runbook: string; name: string },
    readonly evidence: string[],
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/**
 * A runbook's own verification found its symptom still there after its steps: the run rolls back.
 * The checks are kept whole (not just the failing ones) because the evidence of those that passed
 * tells the reader how far the fix got.
 */
export class VerificationFailed extends Error {
  constructor(
    readonly runbook: string,
    readonly checks: ReadonlyArray<{ name: string; ok: boolean | null; evidence: string[] }>,
  ) {
    super(`verification failed for ${runbook}: ${checks.filter((c) => c.ok === false).map((c) => c.name).join('; ')}`);
    this.name = 'VerificationFailed';
  }
}

/** SIGINT/SIGTERM (or any abort of the run's signal): roll back, then exit 130. */
export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}
