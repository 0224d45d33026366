// The run's events (and its questions) kept for the terminal's tasks. The engine runs ahead of
// the task list, which shows one task at a time, so a task looks back at what already happened
// as well as forward; once the run is over, every task still waiting is let go.

import type { Decision, RunEvent } from '../../engine/run/index.js';
import type { PlannedStep } from '../../engine/plan-types.js';

/** The engine asking about a step, waiting for the task that shows the step to answer. */
export interface Question {
  type: 'question';
  step: PlannedStep;
  answered: boolean;
  answer(d: Decision): void;
  fail(e: unknown): void;
}

export type FeedItem = RunEvent | Question;

interface Waiter {
  pick(item: FeedItem): unknown;
  resolve(value: unknown): void;
}

export class EventFeed {
  private readonly items: FeedItem[] = [];
  private waiters: Waiter[] = [];
  private closed = false;

  push(item: FeedItem): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      const v = w.pick(item);
      if (v === undefined) return true;
      w.resolve(v);
      return false;
    });
  }

  /** A question for `step`, answered by whichever task shows that step. */
  ask(step: PlannedStep): Promise<Decision> {
    return new Promise<Decision>((resolve, reject) => {
      const q: Question = {
        type: 'question',
        step,
        answered: false,
        answer: (d) => {
          q.answered = true;
          resolve(d);
        },
        fail: (e) => {
          q.answered = true;
          reject(e);
        },
      };
      this.push(q);
    });
  }

  /** The first item, past or future, that `pick` maps to a value; undefined once the feed is closed without one. */
  first<T>(pick: (item: FeedItem) => T | undefined): Promise<T | undefined> {
    for (const item of this.items) {
      const v = pick(item);
      if (v !== undefined) return Promise.resolve(v);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve) => this.waiters.push({ pick, resolve: resolve as (v: unknown) => void }));
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w.resolve(undefined);
    this.waiters = [];
    // A question nobody will show again must not keep the engine waiting.
    for (const item of this.items) if (item.type === 'question' && !item.answered) item.fail(new Error('the task list ended before the question was answered'));
  }
}
