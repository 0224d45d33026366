// User errors are printed as the person can act on them, without a stack; anything else is our
// bug and says so (with the stack behind --debug).

import { isUserError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';

export function reportError(e: unknown, debug: boolean): number {
  if (isUserError(e)) {
    process.stderr.write(`postfix-fix: ${e.format()}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`postfix-fix: internal error: ${err.message}\n`);
  process.stderr.write(debug ? `${err.stack}\n` : 'This is a bug in postfix-fix. Run again with --debug for the stack trace and include it in a report.\n');
  return ExitCode.Internal;
}
