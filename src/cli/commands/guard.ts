// Hidden command: the detached watchdog that ends a temporary change by its deadline when no
// systemd timer can (see engine/guards.ts). It sleeps, then runs the rollback of that one step.

import { UserError } from '../../core/errors.js';
import { parseCommandArgs, stringOpt } from '../args.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('_guard', argv);
  const at = Date.parse(stringOpt(a, 'at') ?? '');
  if (!Number.isFinite(at)) throw new UserError('_guard: --at must be an ISO time');
  const wait = at - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const { run: rollback } = await import('./rollback.js');
  return rollback(a.positionals.slice(1));
}
