// facts + findings + catalog → Plan. Read-only: modules inspect and compute diffs, nothing is
// applied. A step that cannot be carried out here blocks its runbook with the reason; it is never
// silently dropped.

import { createHash } from 'node:crypto';
import { factPathFailed } from '../facts/gather.js';
import { readFact } from '../facts/paths.js';
import type { FactValue } from '../facts/paths.js';
import { NotApplicable, StepFailure } from '../core/errors.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import type { ActionModule, ModuleContext } from '../modules/types.js';
import { CAUSES } from '../probes/causes.js';
import type { Finding } from '../probes/types.js';
import { conditionFacts, describeCondition, evaluateCondition } from './catalog/conditions.js';
import { findTemplateRefs } from './catalog/templates.js';
import type { Catalog, Runbook, Step, StepAction } from './catalog/types.js';
import type { Risk } from '../core/risk.js';
import { RISK_RANK } from '../core/risk.js';
import { describeCheck, runCheck } from './checks.js';
import type { CheckEnv } from './checks.js';
import { UserError } from '../core/errors.js';
import { PLAN_SCHEMA_VERSION } from './plan-types.js';
import type { Plan, PlannedCheck, PlannedRunbook, PlannedStep } from './plan-types.js';
import { resolveArgs } from './resolve-args.js';
import type { ResolveEnv } from './resolve-args.js';
import { checkVarsDeclared, resolveVariables } from './variables.js';
import { byCodePoint } from '../core/compare.js';

export interface PlanInput {
  catalog: Catalog;
  modules: ModuleRegistry;
  /** A read-only context: runDir is null. */
  ctx: ModuleContext;
  findings: Finding[];
  /** Runbooks named with --runbook; empty = choose from the findings. */
  runbookIds: string[];
  vars: Map<string, string>;
  version: string;
}

export function selectRunbooks(catalog: Catalog, findings: Finding[], ids: string[]): Array<{ rb: Runbook; triggeredBy: PlannedRunbook['triggeredBy'] }> {
  // A consequence explained by another cause (probes/chains.ts) is fixed by that cause's runbook.
  const causes = findings.filter((f) => (f.status === 'fail' || f.status === 'warn') && f.cause && !f.explainedBy).map((f) => f.cause as string);
  const triggers = (rb: Runbook): PlannedRunbook['triggeredBy'] => [...new Set(rb.symptoms.filter((s) => causes.includes(s)))].map((c) => ({ cause: c, title: CAUSES[c]?.title ?? c }));
  let chosen: Runbook[];
  if (ids.length > 0) {
    chosen = ids.map((id) => {
      const rb = catalog.runbooks.get(id);
      if (!rb) throw new UserError(`unknown runbook "${id}"`, { expected: `one of: ${[...catalog.runbooks.keys()].sort().join(', ')}` });
      return rb;
    });
  } else {
    // A runbook that is a choice (on_request) is never picked by the findings alone.
    chosen = [...catalog.runbooks.values()].filter((rb) => !rb.onRequest && triggers(rb).length > 0);
  }
  const rank = (rb: Runbook): number => Math.min(...triggers(rb).map((t) => CAUSES[t.cause]?.rank ?? 999), 999);
  chosen = [...new Set(chosen)].sort((a, b) => rank(a) - rank(b) || byCodePoint(a.id, b.id));
  return orderByAfter(chosen).map((rb) => ({ rb, triggeredBy: triggers(rb) }));
}

/** Stable topological order honouring `after` among the chosen runbooks. */
function orderByAfter(list: Runbook[]): Runbook[] {
  const ids = new Set(list.map((r) => r.id));
  const done = new Set<string>();
  const out: Runbook[] = [];
  const visit = (rb: Runbook, path: string[]): void => {
    if (done.has(rb.id)) return;
    if (path.includes(rb.id)) throw new UserError(`runbooks order each other in a loop: ${[...path, rb.id].join(' → ')}`);
    for (const dep of rb.after) {
      const d = list.find((r) => r.id === dep);
      if (d && ids.has(dep)) visit(d, [...path, rb.id]);
    }
    done.add(rb.id);
    out.push(rb);
  };
  for (const rb of list) visit(rb, []);
  return out;
}

/** How a step's change is undone, and whether it can be: an explicit rollback, the module's own undo, or nothing. */
function undoOf(mod: ActionModule, rollback: StepAction | null): Pick<PlannedStep, 'rollback' | 'reversible' | 'undo'> {
  if (rollback) return { rollback, reversible: true, undo: `explicit rollback: ${rollback.module} ${JSON.stringify(rollback.args)}` };
  if (mod.irreversible !== null) return { rollback: null, reversible: false, undo: `cannot be undone: ${mod.irreversible}` };
  return { rollback: null, reversible: true, undo: `${mod.name} module restores the state recorded in the journal before the change` };
}

function resolveRollback(rollback: NonNullable<Step['rollback']>, modules: ModuleRegistry, env: ResolveEnv, stepName: string): StepAction {
  const mod = modules.action(rollback.module);
  if (!mod) throw new Error(`module ${rollback.module} vanished after validation`);
  return { module: rollback.module, args: resolveArgs(rollback.args, mod.argsSchema, env, rollback.location, `rollback of step "${stepName}"`) };
}

export async function makePlan(input: PlanInput): Promise<Plan> {
  const { catalog, modules, ctx, findings } = input;
  const selected = selectRunbooks(catalog, findings, input.runbookIds);
  checkVarsDeclared(input.vars, selected.map((s) => s.rb), catalog.runbooks.values());
  const factPaths = new Set<string>();
  const planned: PlannedRunbook[] = [];
  let seq = 0;

  for (const { rb, triggeredBy } of selected) {
    const variables = resolveVariables(rb, input.vars);
    const env: CheckEnv = { ctx, modules, variables };
    const fact = (p: string): FactValue => readFact(ctx.facts, p);

    const preconditions: PlannedCheck[] = [];
    const unknownFacts: string[] = [];
    for (const c of rb.preconditions) {
      const paths = c.kind === 'that' ? conditionFacts(c.that) : [];
      paths.forEach((p) => factPaths.add(p));
      const checked = await runCheck(describeCheck(c, env), c, env);
      preconditions.push(checked);
      if (checked.ok === false && unknownFacts.length === 0) {
        for (const p of paths) {
          const why = factPathFailed(ctx.facts, p);
          if (why) unknownFacts.push(`${p} could not be gathered: ${why}`);
        }
      }
    }
    const failedPre = preconditions.find((p) => p.ok === false);

    const steps: PlannedStep[] = [];
    // A fact whose gathering failed holds its fallback, not the host's state: say so beside it.
    let blockedReason: string | undefined = failedPre ? `precondition failed: ${failedPre.name} (${failedPre.description}; ${failedPre.evidence.join(', ')}${unknownFacts.map((u) => `; ${u}`).join('')})` : undefined;
    for (const step of rb.steps) {
      seq += 1;
      const mod = modules.action(step.module);
      if (!mod) throw new Error(`module ${step.module} vanished after validation`);
      if (step.when) conditionFacts(step.when).forEach((p) => factPaths.add(p));
      for (const ref of findTemplateRefs(step.args, 'args')) if (ref.kind === 'fact') factPaths.add(ref.name);
      for (const ref of findTemplateRefs(step.rollback?.args ?? {}, 'rollback.args')) if (ref.kind === 'fact') factPaths.add(ref.name);
      const base: PlannedStep = {
        seq,
        stepId: step.id,
        runbook: rb.id,
        name: step.name,
        module: step.module,
        risk: step.risk,
        args: step.args,
        status: 'skipped',
        // As written until the step is planned (a skipped step's templates are never filled in).
        ...undoOf(mod, step.rollback ? { module: step.rollback.module, args: step.rollback.args } : null),
        verification: `${step.module} module verifies its change took effect`,
      };
      if (step.when && !evaluateCondition(step.when, { fact, variable: (n) => variables[n] })) {
        steps.push({ ...base, status: 'skipped', reason: `when: ${describeCondition(step.when)} is false` });
        continue;
      }
      if (blockedReason) {
        steps.push({ ...base, status: 'skipped', reason: 'runbook blocked' });
        continue;
      }
      const resolveEnv = { facts: ctx.facts, profile: ctx.profile, variables };
      const args = resolveArgs(step.args, mod.argsSchema, resolveEnv, step.location, `step "${step.name}"`);
      // The rollback runs from the plan (and the journal) as planned here: its templates are
      // filled in and checked now, like the step's, and the plan's digest covers the result.
      const planned = { ...base, args, ...undoOf(mod, step.rollback ? resolveRollback(step.rollback, modules, resolveEnv, step.name) : null) };
      try {
        const state = await mod.inspect(ctx, args);
        const change = mod.diff(ctx, args, state);
        const stateDigest = createHash('sha256').update(JSON.stringify(state)).digest('hex');
        steps.push(change ? { ...planned, status: 'change', change, stateDigest } : { ...planned, status: 'ok', reason: 'already in the desired state', stateDigest });
      } catch (e) {
        if (e instanceof NotApplicable || e instanceof StepFailure) {
          const evidence = e instanceof StepFailure && e.evidence.length ? ` [${e.evidence.join('; ')}]` : '';
          steps.push({ ...planned, status: 'not-applicable', reason: e.message + evidence });
          blockedReason = `step "${step.name}" cannot be carried out here: ${e.message}`;
        } else throw e;
      }
    }

    // `after` is a dependency, not only an order: without the runbook it names, this one would fail.
    const blockedDep = rb.after.find((d) => planned.some((p) => p.id === d && p.status === 'blocked'));
    if (blockedDep && !blockedReason) blockedReason = `needs ${blockedDep} first, which is blocked`;
    const verify = rb.verify.map((c) => describeCheck(c, env));
    const anyChange = steps.some((s) => s.status === 'change');
    planned.push({
      id: rb.id,
      title: rb.title,
      file: rb.source.file,
      sha256: rb.source.sha256,
      triggeredBy,
      variables,
      preconditions,
      status: blockedReason ? 'blocked' : anyChange ? 'ready' : 'nothing-to-do',
      ...(blockedReason ? { blockedReason } : {}),
      steps,
      verify,
    });
  }

  const facts: Record<string, FactValue> = {};
  for (const p of [...factPaths].sort()) facts[p] = readFact(ctx.facts, p);
  const changes = planned.filter((r) => r.status === 'ready').flatMap((r) => r.steps.filter((s) => s.status === 'change'));
  const maxRisk = changes.reduce<Risk | null>((m, s) => (m === null || RISK_RANK[s.risk] > RISK_RANK[m] ? s.risk : m), null);
  const plan: Plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    tool: { name: 'postfix-fix', version: input.version },
    createdAt: new Date().toISOString(),
    host: { hostname: ctx.facts.hostname, os: ctx.facts.os.prettyName },
    profile: { id: ctx.profile.id, sha256: ctx.profile.source.sha256 },
    serviceManager: ctx.facts.init.manager,
    findings,
    runbooks: planned,
    fingerprint: { facts, digest: '' },
    summary: { changes: changes.length, maxRisk, blocked: planned.filter((r) => r.status === 'blocked').map((r) => r.id) },
  };
  const client = ctx.facts.client;
  if (client) plan.client = { address: client.address, name: client.name, ports: client.portsGiven ? client.ports : null };
  plan.fingerprint.digest = planDigest(plan);
  return plan;
}

/** What a saved plan commits to: runbook hashes, step diffs and states, and the facts read. */
export function planDigest(plan: Plan): string {
  const material = {
    tool: plan.tool,
    profile: plan.profile,
    facts: plan.fingerprint.facts,
    // Absent from plans made without --from, so their digests stay what they were.
    ...(plan.client ? { client: plan.client } : {}),
    // Everything apply acts on from the file: an explicit rollback action runs as written in the
    // plan, and verifications run its module args, so an edit to either must break the digest.
    runbooks: plan.runbooks.map((r) => ({ id: r.id, sha256: r.sha256, variables: r.variables, steps: r.steps.map((s) => ({ id: s.stepId, status: s.status, args: s.args, diff: s.change?.diff ?? null, state: s.stateDigest ?? null, rollback: s.rollback ?? null })), verify: r.verify.map((c) => ({ module: c.module ?? null, args: c.args ?? null })) })),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

