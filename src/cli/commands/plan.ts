import { writeFileAtomic } from '../../exec/host-fs.js';
import { ExitCode } from '../../core/exit-codes.js';
import { needsHuman } from '../../engine/needs-human.js';
import { parseVarFlags } from '../../engine/variables.js';
import { renderPlanMarkdown } from '../../report/plan-markdown.js';
import { renderPlanText } from '../../report/plan-text.js';
import { redactorForHost } from '../../core/redact.js';
import { choiceOpt, flag, listOpt, parseCommandArgs, secondsOpt, stringOpt } from '../args.js';
import { diagnoseFlags, diagnoseHost, planFor } from '../diagnosis.js';
import { createRuntime, viewHost } from '../runtime.js';
import { clientQuery } from '../client-args.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('plan', argv);
  const format = flag(a, 'json') ? 'json' : choiceOpt(a, 'format', ['text', 'markdown', 'json'] as const, 'text');
  const vars = parseVarFlags(listOpt(a, 'var'));
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  const client = await clientQuery(a);
  const rt = createRuntime(a, { warmDiagnoseMs: timeoutMs, client });
  const host = await viewHost(rt, timeoutMs);
  const diag = await diagnoseHost(rt, host, diagnoseFlags(a, timeoutMs));
  const plan = await planFor(rt, host, diag, a, vars);
  const out = stringOpt(a, 'out');
  // The saved plan keeps real values (apply checks them; it is written 0600); what is printed is a
  // report, and password-like values in it are redacted.
  if (out) await writeFileAtomic(out, JSON.stringify(plan, null, 2) + '\n', { mode: 0o600 });
  const shown = (await redactorForHost(rt.fs, host.facts.postfix.configDir, plan)).json(plan);
  process.stdout.write(format === 'json' ? JSON.stringify(shown, null, 2) + '\n' : format === 'markdown' ? renderPlanMarkdown(shown) : renderPlanText(shown));
  if (out) process.stderr.write(`Plan saved to ${out}. Review it, then: postfix-fix apply ${out}\n`);
  const limited = diag.report.needsRoot ?? [];
  if (limited.length > 0) process.stderr.write(`note: not run as root, so ${limited.length} check(s) were limited (the plan may miss what they would find):\n${limited.map((l) => `  - ${l}\n`).join('')}`);
  if (!flag(a, 'detailed-exitcodes')) return ExitCode.Ok;
  if (plan.summary.changes > 0) return ExitCode.ChangesNeeded;
  return needsHuman(plan, diag.findings).length > 0 ? ExitCode.NeedsHuman : ExitCode.Ok;
}
