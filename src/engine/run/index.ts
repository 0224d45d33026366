// The headless run, as callers (the CLI, tests, a future API) use it.
export { applyPlan } from './apply-plan.js';
export type { ApplyOptions } from './apply-plan.js';
export { askAbove, riskPolicy } from './decide.js';
export { proveEndToEnd } from './end-to-end.js';
export { exitCodeFor } from './exit-code.js';
export type { FailureKind, RunEvent, RunEventType } from './events.js';
export type { ConvergeDeps, Decide, Decision, Proof, ProofCheck, RoundSummary, RunDeps, RunError, RunOutcome, RunStatus, StepResult, StepResultStatus, Verification } from './types.js';
