// Is Postfix installed, and what are the effective values (defaults included, $names expanded) of
// its parameters? One `postconf -x` call for all of them.

import { FactUnavailable, describeFailure, runTool } from './context.js';
import { parsePostconf } from './postconf.js';
import { WATCHED_PARAMS } from './types.js';
import type { FactContext } from './context.js';

export interface PostfixParams {
  installed: boolean;
  params: Record<string, string>;
}

export async function gatherPostfixParams(ctx: FactContext): Promise<PostfixParams> {
  if (!ctx.exec.has('postconf')) return { installed: false, params: {} };
  // Every parameter, defaults included (≈ 1000 lines, as cheap as asking for a few): probes read
  // milters, restrictions and lookup tables from wherever they are set.
  let r = await runTool(ctx, ['postconf', '-x'], 3_000);
  // Postfix before 2.10 has no -x: ask again without expansion rather than fail.
  if (r.exitCode !== 0 && /illegal option|invalid option/i.test(r.stderr)) r = await runTool(ctx, ['postconf', ...WATCHED_PARAMS], 3_000);
  if (r.notFound) return { installed: false, params: {} };
  // A broken main.cf makes postconf exit 1 with the file:line in stderr: that is the evidence.
  if (r.exitCode !== 0) throw new FactUnavailable(describeFailure(r));
  return { installed: true, params: parsePostconf(r.stdout, r.stderr).params };
}
