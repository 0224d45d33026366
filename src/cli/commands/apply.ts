import { RefusedError } from '../../core/errors.js';
import { findDrift } from '../../engine/drift.js';
import { acquireLock } from '../../engine/lock.js';
import { readPlanFile } from '../../engine/plan-file.js';
import { ensureStateDir } from '../../engine/state-dir.js';
import { toolVersion } from '../../core/version.js';
import { choiceOpt, flag, parseCommandArgs } from '../args.js';
import { RISKS, RISK_RANK } from '../../core/risk.js';
import { convergeDeps } from '../converge.js';
import type { Decide } from '../../engine/run/index.js';
import { diagnoseHost } from '../diagnosis.js';
import { executePlan, reportHost } from '../execute.js';
import { redactorForHost } from '../../core/redact.js';
import { toRunReport } from '../../report/run-report.js';
import { finishRun } from '../run-output.js';
import { createRuntime, moduleContext, viewHost } from '../runtime.js';
import { selfArgv } from '../self.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('apply', argv);
  const file = a.positionals[0] as string;
  const plan = readPlanFile(file, toolVersion());
  // The plan's client (--from, --port when it was made): its facts are gathered for the same one.
  const rt = createRuntime(a, { client: plan.client ?? null });
  await ensureStateDir(rt.stateDir);
  const lock = await acquireLock(rt.stateDir, ['postfix-fix', 'apply', ...argv].join(' '));
  try {
    const started = Date.now();
    const host = await viewHost(rt, 5000);
    const ctx = moduleContext(rt, host, null);
    const drift = await findDrift({ plan, catalog: rt.catalog, modules: rt.modules, ctx, profile: host.profile, facts: host.facts });
    if (drift.length > 0) {
      throw new RefusedError(`the host or the runbooks changed since the plan was made; nothing was applied`, { hints: [...drift.map((d) => `- ${d}`), `make a new plan: postfix-fix plan --out ${file}`] });
    }
    const flags = { timeoutMs: 5000, offline: true };
    const diag = await diagnoseHost(rt, host, flags);
    const diagnoseMs = Date.now() - started;
    // The reviewed plan is the approval for its own steps. A later round (what its fixes reveal)
    // stays within the runbooks it lists unless --converge, and its new steps are held to
    // --max-risk: nobody reviewed them.
    const converge = flag(a, 'converge');
    const maxRisk = choiceOpt(a, 'max-risk', RISKS, 'medium');
    const approved = new Set(plan.runbooks.flatMap((rb) => rb.steps.map((st) => st.seq)));
    const lastApproved = Math.max(0, ...approved);
    const decide: Decide = async (step) => (step.seq <= lastApproved || RISK_RANK[step.risk] <= RISK_RANK[maxRisk] ? 'apply' : 'skip');
    const outcome = await executePlan({
      rt,
      host,
      plan,
      command: 'apply',
      interactive: false,
      maxRisk: 'high', // the reviewed plan is the approval
      causeProbe: diag.causeProbe,
      refreshFacts: async () => (await viewHost(rt, 5000)).facts,
      self: selfArgv(),
      decide,
      converge: convergeDeps({ rt, host, flags, runbookIds: [], vars: new Map(), policy: null, maxRisk, within: converge ? null : new Set(plan.runbooks.map((rb) => rb.id)) }),
    });
    const report = toRunReport(outcome, { command: 'apply', version: toolVersion(), host: reportHost(host), startedAt: started, timing: { diagnoseMs, planMs: 0 } });
    return await finishRun(report, rt.stateDir, flag(a, 'json'), flag(a, 'detailed-exitcodes'), await redactorForHost(rt.fs, host.facts.postfix.configDir, plan));
  } finally {
    await lock.release();
  }
}
