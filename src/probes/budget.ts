// Budgets inside a probe: every command and socket gets a timeout that ends before the probe's
// own deadline, so the runner never has to abandon a probe that is still waiting on something.

import { budgetMs } from '../core/deadline.js';
import { DEFAULT_PROBE_SETTINGS } from './types.js';
import type { CommandResult } from '../core/exec.js';
import type { DialOptions, DialResult } from '../core/dial.js';
import type { ProbeContext, ProbeSettings } from './types.js';

/**
 * Connect timeout for this host's own addresses: the SYN never leaves the machine, so an answer
 * comes in microseconds or not at all (a DROP). Remote targets get longer.
 */
export const LOCAL_CONNECT_MS = 1_500;

/** Time kept back from a probe's deadline for turning results into findings. */
const MARGIN_MS = 30;

export function probeBudget(ctx: ProbeContext, wantedMs: number): number {
  return budgetMs(ctx.deadline, wantedMs * (ctx.timeScale ?? 1), { marginMs: MARGIN_MS, floorMs: 20 });
}

export function runProbeCommand(ctx: ProbeContext, argv: readonly string[], wantedMs: number, input?: string): Promise<CommandResult> {
  return ctx.exec.run(argv, { timeoutMs: probeBudget(ctx, wantedMs), ...(input !== undefined ? { input } : {}) });
}

/** Dial within the probe's budget: connect and greeting share what is left. */
export function dial(ctx: ProbeContext, host: string, port: number, wanted: { connectMs: number; bannerMs: number; ehlo?: boolean; mail?: DialOptions['mail'] }): Promise<DialResult> {
  const connectMs = probeBudget(ctx, wanted.connectMs);
  const options: DialOptions = {
    connectTimeoutMs: connectMs,
    bannerTimeoutMs: probeBudget(ctx, wanted.bannerMs),
    ehlo: wanted.ehlo ?? false,
    deadline: ctx.deadline - MARGIN_MS,
    ...(wanted.mail ? { mail: wanted.mail } : {}),
  };
  return ctx.dialer(host, port, options);
}

export function settingsOf(ctx: ProbeContext): ProbeSettings {
  return ctx.settings ?? DEFAULT_PROBE_SETTINGS;
}
