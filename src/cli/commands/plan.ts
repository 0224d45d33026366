import { writeFileAtomic } from '../../exec/host-fs.js';
import { ExitCode } from '../../engine/exit-codes.js';
import { makePlan } from '../../engine/planner.js';
import { parseVarFlags } from '../../engine/variables.js';
import { renderPlanMarkdown } from '../../report/plan-markdown.js';
import { renderPlanText } from '../../report/plan-text.js';
import { toolVersion } from '../../version.js';
import { choiceOpt, flag, listOpt, parseCommandArgs, secondsOpt, stringOpt } from '../args.js';
import { diagnoseHost } from '../diagnosis.js';
import { createRuntime, viewHost } from '../runtime.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('plan', argv);
  const format = flag(a, 'json') ? 'json' : choiceOpt(a, 'format', ['text', 'markdown', 'json'] as const, 'text');
  const vars = parseVarFlags(listOpt(a, 'var'));
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  const rt = createRuntime(a);
  const host = await viewHost(rt, timeoutMs);
  const diag = await diagnoseHost(rt, host, { timeoutMs, offline: flag(a, 'offline') });
  const plan = await makePlan({
    catalog: rt.catalog,
    modules: rt.modules,
    ctx: { exec: rt.exec, fs: rt.fs, facts: host.facts, profile: host.profile, runDir: null },
    findings: diag.findings,
    runbookIds: listOpt(a, 'runbook'),
    vars,
    version: toolVersion(),
  });
  const out = stringOpt(a, 'out');
  if (out) await writeFileAtomic(out, JSON.stringify(plan, null, 2) + '\n', { mode: 0o600 });
  process.stdout.write(format === 'json' ? JSON.stringify(plan, null, 2) + '\n' : format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan));
  if (out) process.stderr.write(`Plan saved to ${out}. Review it, then: postfix-fix apply ${out}\n`);
  if (!flag(a, 'detailed-exitcodes')) return ExitCode.Ok;
  if (plan.summary.changes > 0) return ExitCode.ChangesNeeded;
  const needsHuman = plan.summary.blocked.length > 0 || diag.findings.some((f) => f.status === 'fail' && f.fixedBy.length === 0);
  return needsHuman ? ExitCode.NeedsHuman : ExitCode.Ok;
}
