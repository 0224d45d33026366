// Diagnose's critical path: the probes' slow, fact-independent commands (`postfix check`) are
// started first, before the rest of diagnose is even loaded. This module stays light for that
// reason: it imports only the warm-ups, never the probes, facts, catalog or reports.

import { postfixCheckWarmup } from './config-check-warmup.js';
import { createWarmExecutor } from './warm-exec.js';
import type { Executor } from '../core/exec.js';
import type { HostFs } from '../core/host-fs.js';
import type { Warmup } from './types.js';
import type { WarmExecutor } from './warm-exec.js';

export const DEFAULT_DIAGNOSE_TIMEOUT_MS = 5_000;

/** Every probe's warm-up (each is declared beside its probe). */
export const WARMUPS: readonly Warmup[] = [postfixCheckWarmup];

/**
 * Probe and command limits are sized for the default --timeout on ordinary hardware. A user who
 * grants more time (a slow or overloaded host, an emulated VM) gets limits stretched in the same
 * proportion; a shorter --timeout only cuts the overall deadline.
 */
export function timeScaleFor(timeoutMs: number): number {
  return Math.max(1, timeoutMs / DEFAULT_DIAGNOSE_TIMEOUT_MS);
}

/**
 * Facts are quick (≈0.1 s) unless a tool hangs: they may use at most 40% of diagnose's budget,
 * ≤ 2 s at the default --timeout (stretched with a longer one, like every limit).
 */
export function gatherShare(timeoutMs: number): number {
  return Math.min(2_000 * timeScaleFor(timeoutMs), Math.floor(timeoutMs * 0.4));
}

/**
 * Start the warm-ups' commands now, so they run while the rest loads and facts are gathered.
 * Pass the result to runDiagnose as `warm`; it needs only the executor, so a CLI can call it
 * before anything else.
 */
export function startDiagnoseWarmup(options: { exec: Executor; fs: HostFs; isRoot?: boolean; timeoutMs: number; warmups?: readonly Warmup[] }): WarmExecutor {
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  let warm: WarmExecutor | null = null;
  const decisions = (options.warmups ?? WARMUPS).map(async (w) => {
    const cmds = await w.commands({ exec: options.exec, fs: options.fs, isRoot }).catch(() => []);
    for (const cmd of cmds) warm?.start(cmd, Math.max(1, Math.min(w.timeoutMs * timeScaleFor(options.timeoutMs), options.timeoutMs - 50)));
  });
  warm = createWarmExecutor(options.exec, Promise.all(decisions).then(() => undefined));
  return warm;
}
