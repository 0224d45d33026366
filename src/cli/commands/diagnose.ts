import { choiceOpt, flag, parseCommandArgs, secondsOpt } from '../args.js';
import { openHostAccess } from '../host-access.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('diagnose', argv);
  const format = flag(a, 'json') ? 'json' : choiceOpt(a, 'format', ['text', 'markdown', 'json'] as const, 'text');
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  // `postfix check`, when it must run, is the slowest check (~0.2 s) and decides diagnose's wall
  // time: it starts here, and runs while the rest of diagnose (catalog, schemas, facts, reports:
  // most of the code) is loaded below. test/unit/cli/load-order.test.ts keeps this file light.
  const access = openHostAccess(a, { warmDiagnoseMs: timeoutMs });
  await access.warm?.decided; // a few stat calls, so it is under way before the loading starts
  const [{ createRuntime, viewHost }, { diagnoseFlags, diagnoseHost }, { renderDiagnose }] = await Promise.all([import('../runtime.js'), import('../diagnosis.js'), import('../../report/diagnose-render.js')]);
  const rt = createRuntime(a, { access });
  // Facts take a share of the one deadline; the probes get the rest.
  const host = await viewHost(rt, Math.min(2000, timeoutMs * 0.4));
  const d = await diagnoseHost(rt, host, diagnoseFlags(a, timeoutMs));
  process.stdout.write(await renderDiagnose(d.report, { format, fs: rt.fs, configDir: host.facts.postfix.configDir, noColor: flag(a, 'no-color') }));
  return d.exitCode;
}
