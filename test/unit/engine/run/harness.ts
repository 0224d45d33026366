// The headless engine without the CLI: real runbook parsing, planning, transaction and journal,
// the real `file` module on scratch files, and one tiny module defined here — `setting`, which
// keeps key = value pairs in this process's memory (a host the test can break on purpose: fail
// its apply, verify or undo, make its change temporary, or hold it mid-apply).
import { join } from 'node:path';
import { StepFailure } from '../../../../src/core/errors.js';
import { parseRunbook } from '../../../../src/engine/catalog/runbook.js';
import { parseYaml } from '../../../../src/engine/catalog/yaml-source.js';
import type { Catalog } from '../../../../src/engine/catalog/types.js';
import type { CauseProbe } from '../../../../src/engine/checks.js';
import type { GuardScheduler } from '../../../../src/engine/guards.js';
import { readJournal } from '../../../../src/engine/journal.js';
import type { JournalRecord } from '../../../../src/engine/journal.js';
import { makePlan } from '../../../../src/engine/planner.js';
import type { Plan } from '../../../../src/engine/plan-types.js';
import { applyPlan } from '../../../../src/engine/run/index.js';
import type { ApplyOptions, ConvergeDeps, Decide, RunDeps, RunEvent, RunOutcome } from '../../../../src/engine/run/index.js';
import { defineActionModule } from '../../../../src/modules/define.js';
import { fileModule } from '../../../../src/modules/file/module.js';
import { createModuleRegistry } from '../../../../src/modules/registry.js';
import type { ActionModule, CheckModule } from '../../../../src/modules/types.js';
import type { Finding } from '../../../../src/probes/types.js';
import { baseFacts, debianProfile, testContext } from '../../helpers/context.js';

/** The memory the `setting` module changes, and a trace of what was done to it. */
export class TinyHost {
  readonly values = new Map<string, string>();
  readonly trace: string[] = [];
  /** Awaited inside `apply`, before the change lands: a test holds a step mid-apply here. */
  duringApply: (key: string) => Promise<void> | void = () => undefined;
}

const SETTING = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'value'],
  properties: { key: { type: 'string' }, value: { type: 'string' }, fail: { enum: ['apply', 'verify', 'undo'] }, temporary: { type: 'integer' }, until_deadline: { type: 'boolean' } },
} as const;
const PAIR = { type: 'object', additionalProperties: false, required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: ['string', 'null'] } } } as const;

export function settingModule(host: TinyHost): ActionModule {
  return defineActionModule({
    name: 'setting',
    description: 'test module: key = value in memory',
    args: SETTING,
    data: PAIR,
    restore: PAIR,
    async inspect(_ctx, args) {
      return host.values.get(args.key) ?? null;
    },
    diff(_ctx, args, state) {
      if (state === args.value) return null;
      return {
        summary: `${args.key}: ${String(state)} → ${args.value}`,
        diff: [`-${args.key} = ${String(state)}`, `+${args.key} = ${args.value}`],
        data: { key: args.key, value: args.value },
        intent: { key: args.key, value: args.value },
        restore: { key: args.key, value: typeof state === 'string' ? state : null },
        ...(args.temporary ? { temporary: { seconds: args.temporary, reason: 'on trial', ...(args.until_deadline ? { untilDeadline: true } : {}) } } : {}),
      };
    },
    async apply(_ctx, args) {
      host.trace.push(`apply ${args.key}`);
      await host.duringApply(args.key);
      if (args.fail === 'apply') throw new StepFailure(`${args.key} refused`, [`${args.key}: read-only`]);
      host.values.set(args.key, args.value);
      return undefined;
    },
    async verify(_ctx, args) {
      const now = host.values.get(args.key);
      return { ok: args.fail !== 'verify' && now === args.value, evidence: [`${args.key} = ${String(now)}`] };
    },
    async undo(_ctx, record) {
      const restore = record.change.restore;
      host.trace.push(`undo ${restore.key}`);
      if (record.args.fail === 'undo') throw new StepFailure(`${restore.key} cannot be restored`, [`${restore.key}: stuck`]);
      if (restore.value === null) host.values.delete(restore.key);
      else host.values.set(restore.key, restore.value);
      return [`${restore.key} = ${String(restore.value)}`];
    },
  });
}

/** A runbook's proof: `key` holds `value` now. */
export function settingCheck(host: TinyHost): CheckModule {
  return {
    name: 'setting-is',
    description: 'test check: key holds value',
    argsSchema: { type: 'object', additionalProperties: false, required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: 'string' } } },
    describe: (args) => `${String(args.key)} is ${String(args.value)}`,
    async check(_ctx, args) {
      const now = host.values.get(String(args.key));
      return { ok: now === args.value, evidence: [`${String(args.key)} = ${String(now)}`] };
    },
  };
}

/**
 * Stands in for the systemd timer / watchdog that would end a temporary change by its deadline
 * (those start processes outliving the test); the engine's calls are what is checked.
 */
export class RecordingGuards implements GuardScheduler {
  readonly scheduled: string[] = [];
  readonly cancelled: string[] = [];
  async schedule(runId: string, seq: number): Promise<{ mechanism: string; handle: string }> {
    this.scheduled.push(`${runId}#${seq}`);
    return { mechanism: 'test-guard', handle: String(seq) };
  }
  async cancel(_mechanism: string, handle: string): Promise<void> {
    this.cancelled.push(handle);
  }
}

export interface World {
  host: TinyHost;
  guards: RecordingGuards;
  catalog: Catalog;
  deps: RunDeps;
  plan(ids: string[], findings?: Finding[]): Promise<Plan>;
  /** applyPlan with every event kept. */
  apply(plan: Plan, decide: Decide, extra?: Omit<ApplyOptions, 'decide' | 'onEvent'>): Promise<{ outcome: RunOutcome; events: RunEvent[] }>;
  journal(outcome: RunOutcome): Promise<JournalRecord[]>;
}

/** Runbooks from YAML texts (each a runbook document), against a fresh TinyHost. */
export function world(stateDir: string, runbooks: string[], opts: { causeProbe?: CauseProbe; checks?: CheckModule[]; onRefresh?: () => void } = {}): World {
  const host = new TinyHost();
  const guards = new RecordingGuards();
  const modules = createModuleRegistry([fileModule, settingModule(host)], [settingCheck(host), ...(opts.checks ?? [])]);
  const parsed = runbooks.map((text, i) => parseRunbook(parseYaml(join(stateDir, `rb${i}.yaml`), text), modules));
  const catalog: Catalog = { runbooks: new Map(parsed.map((rb) => [rb.id, rb])), profiles: new Map([['debian', debianProfile()]]) };
  const ctx = testContext(baseFacts());
  const deps: RunDeps = {
    command: 'run',
    version: 'test',
    stateDir,
    ctx,
    modules,
    runbooks: catalog.runbooks,
    guards,
    ...(opts.causeProbe ? { causeProbe: opts.causeProbe } : {}),
    refreshFacts: async () => {
      opts.onRefresh?.();
      return baseFacts();
    },
  };
  return {
    host,
    guards,
    catalog,
    deps,
    plan: (ids, findings = []) => makePlan({ catalog, modules, ctx, findings, runbookIds: ids, vars: new Map(), version: 'test' }),
    async apply(plan, decide, extra = {}) {
      const events: RunEvent[] = [];
      const outcome = await applyPlan(plan, deps, { ...extra, decide, onEvent: (e) => events.push(e) });
      return { outcome, events };
    },
    async journal(outcome) {
      return (await readJournal(outcome.journal as string)).records;
    },
  };
}

/** A runbook of `setting` steps (and optional extra YAML lines at the top level). */
export function settingRunbook(id: string, steps: Array<{ key: string; value: string; risk?: string; fail?: string; temporary?: number; untilDeadline?: boolean }>, extra = ''): string {
  return `id: ${id}
title: ${id} runbook
description: test runbook
symptoms: []
${extra}steps:
${steps.map((s) => `  - name: set ${s.key}
    module: setting
    args: ${JSON.stringify({ key: s.key, value: s.value, ...(s.fail ? { fail: s.fail } : {}), ...(s.temporary ? { temporary: s.temporary } : {}), ...(s.untilDeadline ? { until_deadline: true } : {}) })}
    risk: ${s.risk ?? 'low'}
`).join('')}verify:
${steps.filter((s) => !s.temporary).map((s) => `  - name: ${s.key} holds ${s.value}
    module: setting-is
    args: ${JSON.stringify({ key: s.key, value: s.value })}
`).join('') || `  - name: always
    that: { fact: postfix.installed, equals: true }
`}`;
}

export const applyAll: Decide = async () => 'apply';

export function types(events: RunEvent[]): string[] {
  return events.map((e) => ('step' in e ? `${e.type}:${e.step.seq}` : 'runbook' in e ? `${e.type}:${e.runbook.id}` : e.type));
}


// A converging host: what a fix reveals (see converge.test.ts).
export const fail = (cause: string, fixedBy: string[], extra: Partial<Finding> = {}): Finding => ({ check: 'test', status: 'fail', cause, title: `${cause} found`, evidence: [], fixedBy, ...extra });

/**
 * The host's "diagnosis": `service` until a=1 (runbook `first`); once a=1, what it hid shows —
 * `firewall` until b=2 (runbook `second`); `human` (no runbook) while h is unset, when asked for.
 */
export function diagnosisOf(host: TinyHost, opts: { human?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  if (host.values.get('a') !== '1') out.push(fail('postfix-stopped', ['first']));
  else if (host.values.get('b') !== '2') out.push(fail('firewall-blocks-smtp', ['second']));
  if (opts.human && host.values.get('h') !== 'ok') out.push(fail('smtp-service-disabled', []));
  return out;
}

export function converging(w: World, opts: { within?: Set<string> | null; maxRounds?: number; human?: boolean; diagnoseThrows?: boolean } = {}): ConvergeDeps {
  return {
    diagnose: async () => {
      if (opts.diagnoseThrows) throw new Error('diagnose exploded');
      return diagnosisOf(w.host, opts);
    },
    plan: async (findings) => {
      const ids = [...new Set(findings.flatMap((f) => f.fixedBy))];
      const plan = await w.plan(ids, findings);
      // The planner names runbooks chosen with --runbook as "requested"; say what triggered them.
      return { ...plan, runbooks: plan.runbooks.map((rb) => ({ ...rb, triggeredBy: findings.filter((f) => f.fixedBy.includes(rb.id)).map((f) => ({ cause: f.cause as string, title: f.title })) })) };
    },
    within: opts.within ?? null,
    maxRounds: opts.maxRounds ?? 4,
  };
}

