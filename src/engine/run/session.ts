// One open run: its transaction (journal), its ledger, and the caller's steering — what every
// phase of the run (steps, verification, recovery) is handed. Rounds of a converging run share
// one session: one run id, one journal, one ledger.

import { Interrupted } from '../../core/errors.js';
import type { PlannedStep } from '../plan-types.js';
import type { Transaction } from '../transaction.js';
import type { RunEvent } from './events.js';
import type { RunLedger } from './ledger.js';
import type { Decide, Decision, RunDeps } from './types.js';

export interface RunSession {
  readonly deps: RunDeps;
  readonly tx: Transaction;
  readonly ledger: RunLedger;
  emit(e: RunEvent): void;
  /** The caller's decision for a step, unless the run is interrupted while it is pending. */
  decide(step: PlannedStep): Promise<Decision>;
  /** Throws Interrupted once the signal fired; called between steps, never in the middle of one. */
  checkSignal(): void;
}

export function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'an abort request';
}

export function openSession(deps: RunDeps, tx: Transaction, ledger: RunLedger, decide: Decide, emit: (e: RunEvent) => void, signal: AbortSignal | undefined): RunSession {
  const checkSignal = (): void => {
    if (signal?.aborted) throw new Interrupted(signalName(signal));
  };
  return {
    deps,
    tx,
    ledger,
    emit,
    checkSignal,
    async decide(step) {
      checkSignal();
      // A prompt may wait for hours: a SIGTERM meanwhile must not wait for an answer.
      const answer = await (signal ? raceAbort(decide(step), signal) : decide(step));
      checkSignal();
      return answer;
    },
  };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Interrupted(signalName(signal)));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
