// What `run` and `apply` hand the engine so it can converge: a full diagnosis of a fresh look at
// the host, and a plan for it made the way the first plan was — the same `--runbook` limits,
// `--var` values and policy — so a further round is held to what the operator asked for.

import { selectRunbooks, makePlan } from '../engine/planner.js';
import { runDiagnose } from '../engine/diagnose.js';
import { applyPolicy } from '../engine/policy.js';
import type { Policy } from '../engine/policy.js';
import type { ConvergeDeps } from '../engine/run/index.js';
import type { Risk } from '../core/risk.js';
import { toolVersion } from '../core/version.js';
import type { DiagnoseFlags } from './diagnosis.js';
import { moduleContext } from './runtime.js';
import type { HostView, Runtime } from './runtime.js';

/** Rounds in all: each runbook runs at most once, so this is a backstop, not a budget. */
export const MAX_ROUNDS = 4;

export interface ConvergeOptions {
  rt: Runtime;
  host: HostView;
  flags: DiagnoseFlags;
  runbookIds: string[];
  vars: Map<string, string>;
  policy: Policy | null;
  maxRisk: Risk;
  /** Runbooks later rounds may run; null: any (run, apply --converge). */
  within: ReadonlySet<string> | null;
}

export function convergeDeps(o: ConvergeOptions): ConvergeDeps {
  const { rt, host } = o;
  return {
    async diagnose(facts) {
      const { report } = await runDiagnose({
        exec: rt.exec,
        fs: rt.fs,
        profile: host.profile,
        runbooks: rt.catalog.runbooks,
        facts,
        timeoutMs: o.flags.timeoutMs,
        offline: o.flags.offline,
        ...(o.flags.outboundDomain ? { outboundDomain: o.flags.outboundDomain } : {}),
      });
      return report.findings;
    },
    async plan(findings, facts) {
      // A --var given for the first plan's runbooks is not an error in a round that has none of them.
      const selected = selectRunbooks(rt.catalog, findings, o.runbookIds).map((x) => x.rb);
      const vars = new Map([...o.vars].filter(([name]) => selected.length === 0 || selected.some((rb) => name in rb.variables)));
      const plan = await makePlan({ catalog: rt.catalog, modules: rt.modules, ctx: { ...moduleContext(rt, host, null), facts }, findings, runbookIds: o.runbookIds, vars, version: toolVersion() });
      return o.policy ? applyPolicy(plan, o.policy, o.maxRisk).plan : plan;
    },
    within: o.within,
    maxRounds: MAX_ROUNDS,
  };
}
