// The run at a terminal: a listr2 task per runbook, step and verification, each waiting for its
// own events from the engine; the engine's questions are answered by an inquirer prompt inside
// the task that shows the step. The task list only shows the run: when the engine moves on, the
// tasks follow, and when it stops, they stop.

import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import { select } from '@inquirer/prompts';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { Decide, Decision, RunEvent } from '../../engine/run/index.js';
import type { Plan, PlannedRunbook, PlannedStep } from '../../engine/plan-types.js';
import type { Redactor } from '../../core/redact.js';
import { EventFeed } from './event-feed.js';
import type { FeedItem, Question } from './event-feed.js';
import { layerOf, layerOrder } from '../../engine/stacking.js';
import { checkLine, endLines, roundLines, stepDetails } from './run-lines.js';

type Ctx = Record<string, never>;
type Task = ListrTaskWrapper<Ctx, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TaskRenderer {
  onEvent(e: RunEvent): void;
  /** Asks at the terminal, in the task that shows the step. */
  ask: Decide;
  /** Resolves once the task list has finished drawing and the lines after it are written. */
  finished(): Promise<void>;
  /** The run is over (or failed to start): let every waiting task go. */
  close(): void;
}

export interface TaskRendererOptions {
  redact: Redactor;
  /** Aborts the run's signal (Ctrl-C inside a prompt reaches us as a keypress, not a SIGINT). */
  interrupt(signal: string): void;
  signal: AbortSignal;
}

/** The run's end: a failure (or its own result) stops the waiting task. */
function stopper(item: FeedItem): Error | true | undefined {
  if (item.type === 'failure') return new Error(item.message);
  if (item.type === 'run-end') return true;
  return undefined;
}

export function taskRenderer(o: TaskRendererOptions): TaskRenderer {
  const feed = new EventFeed();
  const redact = o.redact;
  // Which round an event belongs to: a runbook blocked in one round may run in a later one, and
  // its task must not take the earlier round's "skipped" for its own.
  const roundOf = new WeakMap<FeedItem, number>();
  let round = 1;
  const inRound = (i: FeedItem, r: number): boolean => (roundOf.get(i) ?? r) === r;
  // Lines written while the task list draws would tear it: they wait until it is done.
  const held: string[] = [];
  let drawing = false;
  let done: Promise<void> = Promise.resolve();
  const write = (text: string): void => {
    if (drawing) held.push(text);
    else process.stderr.write(text);
  };

  async function prompt(step: PlannedStep, task: Task): Promise<Decision> {
    for (;;) {
      const answer = await task.prompt(ListrInquirerPromptAdapter).run(
        select<string>,
        {
          message: `Apply step ${step.seq} (${step.risk} risk): ${redact.text(step.change?.summary ?? step.name)}?`,
          choices: [
            { name: 'yes — apply it', value: 'apply' },
            { name: 'no — skip it (and the rest of this runbook)', value: 'skip' },
            { name: 'abort — roll back everything this run applied', value: 'abort' },
            { name: 'details — show the exact change, undo and verification', value: 'details' },
          ],
        },
        { signal: o.signal },
      );
      if (answer !== 'details') return answer as Decision;
      task.output = stepDetails(redact.json(step));
    }
  }

  async function answer(q: Question, task: Task): Promise<void> {
    try {
      q.answer(await prompt(q.step, task));
    } catch (e) {
      if ((e as Error).name === 'ExitPromptError') o.interrupt('SIGINT');
      // Interrupted: the engine already stopped waiting for this answer.
      if (o.signal.aborted) q.answer('abort');
      else q.fail(e);
    }
  }

  const stepTask = (step: PlannedStep): ListrTask<Ctx> => ({
    title: `${step.seq}. ${step.name}`,
    task: async (_c, task) => {
      if (step.change) task.output = redact.lines(step.change.diff).join('\n');
      for (;;) {
        const next = await feed.first((i) => (i.type === 'question' && i.step.seq === step.seq && !i.answered ? i : i.type === 'step-done' && i.step.seq === step.seq ? i : stopper(i)));
        if (next === undefined || next === true) return task.skip(`${step.seq}. ${step.name}`);
        if (next instanceof Error) throw next;
        if (next.type === 'question') {
          await answer(next, task);
          continue;
        }
        const r = next.result;
        if (r.status === 'failed') throw new Error(redact.text(`${r.reason ?? 'failed'}`));
        if (r.status === 'changed') task.title = `${step.seq}. ${step.name} — changed`;
        else task.skip(redact.text(`${step.seq}. ${step.name} — ${r.status}${r.reason ? `: ${r.reason}` : ''}`));
        return;
      }
    },
  });

  const verifyTask = (rb: PlannedRunbook, r: number): ListrTask<Ctx> => ({
    title: `verify ${rb.id} (its own layer)`,
    task: async (_c, task) => {
      const next = await feed.first((i) => ((i.type === 'verify-done' || i.type === 'verify-skip') && i.runbook.id === rb.id && inRound(i, r) ? i : stopper(i)));
      if (next === undefined || next === true) return task.skip(`verify ${rb.id}`);
      if (next instanceof Error) throw next;
      if (next.type === 'verify-skip') return task.skip(`verify ${rb.id}: skipped (${next.reason})`);
      task.output = redact.text(next.checks.map(checkLine).join('\n'));
      if (!next.ok) throw new Error(redact.text(`verification failed for ${rb.id}: ${next.checks.filter((c) => c.ok === false).map((c) => c.name).join('; ')}`));
    },
  });

  const runbookTask = (rb: PlannedRunbook, r: number): ListrTask<Ctx> => ({
    title: `${layerOf(rb) ? `[${layerOf(rb)}] ` : ''}${rb.id}: ${rb.title}`,
    task: async (_c, task) => {
      const next = await feed.first((i) => ((i.type === 'runbook-start' || i.type === 'runbook-skip') && i.runbook.id === rb.id && inRound(i, r) ? i : stopper(i)));
      if (next === undefined || next === true) return task.skip(`${rb.id}`);
      if (next instanceof Error) throw next;
      if (next.type === 'runbook-skip') return task.skip(redact.text(`${rb.id}: ${next.reason}`));
      return task.newListr([...rb.steps.map(stepTask), verifyTask(rb, r)], { exitOnError: true });
    },
  });

  // One task list per round, each drawn once the one before it is done; what happens between
  // them (the new diagnosis, the next round's order) is written as lines in between.
  let chain: Promise<void> = Promise.resolve();
  function draw(plan: Plan, r: number, header: string[]): void {
    chain = chain.then(() => {
      if (header.length) process.stderr.write(redact.lines(header).join('\n') + '\n');
      return drawList(plan, r);
    });
    done = chain;
  }

  function drawList(plan: Plan, r: number): Promise<void> {
    const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
    const list = new Listr<Ctx>(plan.runbooks.map((rb) => runbookTask(rb, r)), {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { collapseSubtasks: false, persistentOutput: true, logger },
      fallbackRendererOptions: { logger },
    } as never);
    drawing = true;
    // The task that failed shows why; the lines after the list say it again, with the rollback.
    return list.run().then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      drawing = false;
      if (held.length) process.stderr.write(held.splice(0).join(''));
    });
  }

  return {
    onEvent(e) {
      if (e.type === 'round-start') round = e.round;
      roundOf.set(e, round);
      if (e.type === 'run-start') {
        const ready = e.plan.runbooks.filter((rb) => rb.status === 'ready');
        draw(e.plan, 1, ready.length > 1 ? [`Order (lower layers first, each proven before the next): ${layerOrder(ready)}`] : []);
      }
      const between = roundLines(e);
      if (e.type === 'round-start') draw(e.plan, e.round, between);
      else if (between.length) write(redact.lines(between).join('\n') + '\n');
      const lines = endLines(e);
      if (lines?.length) write(redact.lines(lines).join('\n') + '\n');
      feed.push(e);
      if (e.type === 'run-end') feed.close();
    },
    ask: (step) => feed.ask(step),
    finished: () => done,
    close: () => feed.close(),
  };
}
