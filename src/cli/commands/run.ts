import { RISKS } from '../../core/risk.js';
import { UserError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { acquireLock } from '../../engine/lock.js';
import { ensureStateDir } from '../../engine/state-dir.js';
import { parseVarFlags } from '../../engine/variables.js';
import { renderPlanText } from '../../report/plan-text.js';
import { redactorForHost } from '../../core/redact.js';
import { toRunReport } from '../../report/run-report.js';
import { toolVersion } from '../../core/version.js';
import { choiceOpt, flag, listOpt, parseCommandArgs, secondsOpt, stringOpt } from '../args.js';
import { diagnoseFlags, diagnoseHost, planFor } from '../diagnosis.js';
import { executePlan, reportHost } from '../execute.js';
import { applyPolicy, loadPolicy } from '../../engine/policy.js';
import { finishRun } from '../run-output.js';
import { convergeDeps } from '../converge.js';
import { createRuntime, viewHost } from '../runtime.js';
import { clientQuery } from '../client-args.js';
import { selfArgv } from '../self.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('run', argv);
  const yes = flag(a, 'yes');
  const wantInteractive = flag(a, 'interactive');
  if (yes && wantInteractive) throw new UserError('choose one of --interactive or --yes');
  const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (wantInteractive && !tty) throw new UserError('--interactive needs a terminal (stdin and stderr are not one)', { hints: ['for unattended runs use: postfix-fix run --yes [--max-risk low|medium|high]'] });
  if (!yes && !wantInteractive && !tty) {
    process.stderr.write('postfix-fix run: no terminal and no --yes, so nothing was changed.\n  To see what would change:  postfix-fix plan\n  To apply unattended:       postfix-fix run --yes [--max-risk low|medium|high] [--json]\n');
    return ExitCode.InvalidInput;
  }
  const interactive = !yes;
  const json = flag(a, 'json');
  const policyFile = stringOpt(a, 'policy');
  const maxRisk = choiceOpt(a, 'max-risk', RISKS, 'medium');
  const vars = parseVarFlags(listOpt(a, 'var'));
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  const client = await clientQuery(a);
  const rt = createRuntime(a, { warmDiagnoseMs: timeoutMs, client });
  const policy = policyFile ? loadPolicy(policyFile, new Set(rt.catalog.runbooks.keys())) : null;
  await ensureStateDir(rt.stateDir);
  const lock = await acquireLock(rt.stateDir, ['postfix-fix', 'run', ...argv].join(' '));
  try {
    if (lock.tookOverFrom) process.stderr.write(`note: took over a stale lock left by pid ${lock.tookOverFrom.pid} (started ${lock.tookOverFrom.startedAt}); consider \`postfix-fix rollback --list\`\n`);
    const started = Date.now();
    const host = await viewHost(rt, timeoutMs);
    const flags = diagnoseFlags(a, timeoutMs);
    const diag = await diagnoseHost(rt, host, flags);
    const diagnoseMs = Date.now() - started;
    let plan = await planFor(rt, host, diag, a, vars);
    const capped = policy ? applyPolicy(plan, policy, maxRisk) : { plan, maxRisk };
    plan = capped.plan;
    const planMs = Date.now() - started - diagnoseMs;
    if (!json) process.stderr.write(renderPlanText((await redactorForHost(rt.fs, host.facts.postfix.configDir, plan)).json(plan)) + '\n');
    const outcome = await executePlan({
      rt,
      host,
      plan,
      command: 'run',
      interactive,
      maxRisk: capped.maxRisk,
      causeProbe: diag.causeProbe,
      refreshFacts: async () => (await viewHost(rt, timeoutMs)).facts,
      self: selfArgv(),
      converge: convergeDeps({ rt, host, flags, runbookIds: listOpt(a, 'runbook'), vars, policy, maxRisk: capped.maxRisk, within: null }),
    });
    const report = toRunReport(outcome, { command: 'run', version: toolVersion(), host: reportHost(host), startedAt: started, timing: { diagnoseMs, planMs } });
    // Learn what main.cf holds now too: a secret the run itself set.
    return await finishRun(report, rt.stateDir, json, flag(a, 'detailed-exitcodes'), await redactorForHost(rt.fs, host.facts.postfix.configDir, plan));
  } finally {
    await lock.release();
  }
}
