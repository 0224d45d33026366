// The program. Exit codes are documented in the README and `postfix-fix --help`.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Do not let a stray handle keep a finished command alive (unattended runs must never hang).
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`postfix-fix: internal error: ${String(e)}\n`);
    process.exit(1);
  },
);
