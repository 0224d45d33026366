// Deadlines for diagnose: every gatherer, probe and command gets a budget that never reaches past
// the run's overall deadline, so a hung tool or a DROPped SYN costs at most its share of --timeout.

export class DeadlineExceeded extends Error {
  readonly budgetMs: number;

  constructor(label: string, budgetMs: number) {
    super(`${label} did not finish within ${budgetMs} ms`);
    this.name = 'DeadlineExceeded';
    this.budgetMs = budgetMs;
  }
}

/** Milliseconds left before `deadline` (never negative). */
export function remainingMs(deadline: number, now: number = Date.now()): number {
  return Math.max(0, deadline - now);
}

/**
 * A budget for one step: what it asks for, capped by what is left before the deadline (minus a
 * margin for the caller to report), and never below `floorMs` so a late step still gets a try.
 */
export function budgetMs(deadline: number, wantedMs: number, options: { marginMs?: number; floorMs?: number } = {}): number {
  const left = remainingMs(deadline) - (options.marginMs ?? 0);
  return Math.max(options.floorMs ?? 1, Math.min(wantedMs, left));
}

/**
 * Settle with `work`, or reject with DeadlineExceeded after `ms`. The work is not cancelled (a
 * promise cannot be); callers give every command and socket inside it a timeout of its own.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(label, ms)), Math.max(0, ms));
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
