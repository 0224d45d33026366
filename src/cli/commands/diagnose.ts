import { createColours, wantColour } from '../../report/colour.js';
import { renderDiagnoseJson } from '../../report/diagnose-json.js';
import { renderDiagnoseMarkdown } from '../../report/diagnose-markdown.js';
import { renderDiagnoseText } from '../../report/diagnose-text.js';
import { redactorForHost } from '../../report/redact.js';
import { choiceOpt, flag, parseCommandArgs, secondsOpt } from '../args.js';
import { diagnoseFlags, diagnoseHost } from '../diagnosis.js';
import { createRuntime, viewHost } from '../runtime.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('diagnose', argv);
  const format = flag(a, 'json') ? 'json' : choiceOpt(a, 'format', ['text', 'markdown', 'json'] as const, 'text');
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  const rt = createRuntime(a, { warmDiagnoseMs: timeoutMs });
  // Facts take a share of the one deadline; the probes get the rest.
  const host = await viewHost(rt, Math.min(2000, timeoutMs * 0.4));
  const d = await diagnoseHost(rt, host, diagnoseFlags(a, timeoutMs));
  const colours = createColours(wantColour({ stream: process.stdout, env: process.env, noColor: flag(a, 'no-color') }));
  const report = (await redactorForHost(rt.fs, host.facts.postfix.configDir)).json(d.report);
  process.stdout.write(format === 'json' ? renderDiagnoseJson(report) : format === 'markdown' ? renderDiagnoseMarkdown(report) : renderDiagnoseText(report, colours));
  return d.exitCode;
}
