// The program. `--version` and `--help` are answered before anything else is imported: they must
// be instant (the CommonJS launcher, launcher.ts, answers `--version` before this even loads).
// Each command is loaded only when it runs.

import { ExitCode } from '../core/exit-codes.js';
import { isVersionRequest, versionLine } from './version-request.js';

type CommandModule = { run(argv: string[]): Promise<number> };

const LOADERS: Record<string, () => Promise<CommandModule>> = {
  diagnose: () => import('./commands/diagnose.js'),
  plan: () => import('./commands/plan.js'),
  run: () => import('./commands/run.js'),
  apply: () => import('./commands/apply.js'),
  rollback: () => import('./commands/rollback.js'),
  validate: () => import('./commands/validate.js'),
  list: () => import('./commands/list.js'),
  profile: () => import('./commands/profile.js'),
  watch: () => import('./commands/watch.js'),
  probe: () => import('./commands/probe.js'),
  _guard: () => import('./commands/guard.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (isVersionRequest(argv)) {
    process.stdout.write(versionLine());
    return ExitCode.Ok;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const { HELP } = await import('./help.js');
    const topic = command === 'help' && rest[0] ? HELP[rest[0]] : undefined;
    process.stdout.write((topic ?? HELP.main) + '\n');
    return command === undefined ? ExitCode.InvalidInput : ExitCode.Ok;
  }
  const load = LOADERS[command];
  if (!load) {
    process.stderr.write(`postfix-fix: unknown command "${command}"\nRun \`postfix-fix --help\` for the list of commands.\n`);
    return ExitCode.InvalidInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const { HELP } = await import('./help.js');
    process.stdout.write((HELP[command] ?? HELP.main) + '\n');
    return ExitCode.Ok;
  }
  const debug = rest.includes('--debug');
  try {
    return await (await load()).run(rest);
  } catch (e) {
    const { reportError } = await import('./errors.js');
    return reportError(e, debug);
  }
}
